// `mpq search`, `mpq train` and `mpq finetune` on the ranks of an MPI job (issue 19,
// docs/scale-out.md): the results do not depend on the number of ranks, and a rank that
// fails ends the job instead of leaving the others waiting. Needs mpirun: the suite is disabled and run only by its own
// meson test (cli_mpi), which tests/apps/meson.build skips when mpq was built without MPI
// or mpirun is missing.
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <string>

#include "cli_helpers.hpp"

using namespace mpq_cli_test;

namespace {

// A trained float model on the tiny data set and `mpq search` on it with a budget under
// which 4 uniform policies and a shrunk 8-bit model fit.
struct TinySearch {
  std::string dir, flags;
};

const TinySearch& tiny_search() {
  static const TinySearch t = [] {
    TinySearch k;
    k.dir = temp_dir();
    write_tiny_idx(k.dir, "train", 300);
    write_tiny_idx(k.dir, "t10k", 60);
    const std::string data = "--data " + k.dir + " --val-size 60 --threads 1";
    // 2 shards: the shrunk model, trained with this recipe, is then data-parallel on 2 ranks.
    const Run r = mpq("train " + data + " --epochs 2 --batch 16 --shards 2 --out " + k.dir + "/f.mpqc");
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.out);
    k.flags = "search " + data + " --checkpoint " + k.dir + "/f.mpqc --flash 200KiB --ram 20KiB " +
              "--finetune-batches 1 --finetune-batch 16 --val-images 40";
    return k;
  }();
  return t;
}

// The least search that reaches the final fine-tunes: one warm-up episode, the compared
// policies calibrated only (one run each: the searched policy, then the rule-based one,
// rank 1's job on 2 ranks).
const char* kShortSearch = " --episodes 1 --warmup 1 --random-search 0 --rerank 0 --final-epochs 0 --no-shrunk";

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_mpi, *boost::unit_test::disabled())

BOOST_AUTO_TEST_CASE(one_and_two_ranks_give_the_same_episodes_policy_reports_and_final_checkpoints) {
  const TinySearch& t = tiny_search();
  for (int ranks : {1, 2}) {
    // Every kind of work the ranks share: 3 warm-up and 3 random-search episodes, 2 agent
    // episodes, 2 re-scores, final fine-tunes of 2 seeds per compared policy, the shrunk
    // 8-bit model's float training and fine-tunes; with the default --quantizer auto, so the
    // 2-bit recipe's teacher and bias correction run on the ranks (the cases below pin PACT).
    const Run r = mpq_on_ranks(ranks, t.flags + " --episodes 5 --warmup 3 --random-search 3 --rerank 2 --rerank-batches 1" +
                                          " --final-epochs 1 --final-seeds 2 --shrunk-epochs 1 --out " + t.dir + "/np" +
                                          std::to_string(ranks));
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.out);
    // Rank 0 alone prints progress: one line per episode, not one per rank.
    BOOST_TEST(r.out.find("episode 1/") == r.out.rfind("episode 1/"), r.out);
  }
  expect_same_search_results(t.dir + "/np1", t.dir + "/np2");
  BOOST_TEST(contains(slurp(t.dir + "/np2/report.md"), "shrunk model, uniform 8-bit"));
  // The shrunk model's float training (a shard per rank) and its seed-2 fine-tune (rank 1 of 2); its
  // checkpoint names the float one it started from, in its own --out.
  for (const char* file : {"/shrunk/float.mpqc", "/final/shrunk-w8a8.seed2.mpqc"})
    BOOST_TEST(checkpoint_without_timing(t.dir + "/np2" + file, {"source"}) ==
                   checkpoint_without_timing(t.dir + "/np1" + file, {"source"}),
               file);
}

// Agent episodes in rounds of 3 actors (episodes 1-3 and the partial round 4-5): one rank
// scores the actors one after another, 3 ranks at once, and a job killed inside the first
// round (rank 0 in its 3rd write of the state, after episode 2) resumes on 2 ranks; all
// three end with the same results.
BOOST_AUTO_TEST_CASE(three_actors_per_round_give_the_same_results_on_1_and_3_ranks_and_after_a_kill_inside_a_round) {
  const TinySearch& t = tiny_search();
  const std::string flags = t.flags + " --episodes 6 --warmup 1 --actors 3 --random-search 2 --rerank 0" +
                            " --final-epochs 0 --no-shrunk " + kPactRecipe + " --out " + t.dir + "/actors";
  for (int ranks : {1, 3}) {
    const Run r = mpq_on_ranks(ranks, flags + std::to_string(ranks));
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.out);
    BOOST_TEST(contains(r.out, "rounds of 3 actors"), r.out);
  }
  expect_same_search_results(t.dir + "/actors1", t.dir + "/actors3");
  const Run killed = mpq_on_ranks(3, flags + "-killed", "-x MPQ_TEST_KILL_DURING_WRITE=search.state:3:1000000");
  BOOST_TEST(contains(killed.out, "exited on signal 9"), killed.out);
  const Run resumed = mpq_on_ranks(2, flags + "-killed --resume");
  BOOST_REQUIRE_MESSAGE(resumed.code == 0, resumed.out);
  BOOST_TEST(contains(resumed.out, "resuming after episode 2"), resumed.out);
  expect_same_search_results(t.dir + "/actors1", t.dir + "/actors-killed");
}

// Two budgets, each with its own shrunk model: on 2 ranks each search and its shrunk
// model's training run on both ranks, and rank 0 writes the sweep's files; the results
// are those of one rank.
BOOST_AUTO_TEST_CASE(a_sweep_on_1_and_2_ranks_writes_the_same_curves_searches_and_shrunk_models) {
  const TinySearch& t = tiny_search();
  const std::string flags = "sweep --data " + t.dir + " --val-size 60 --threads 1 --checkpoint " + t.dir +
                            "/f.mpqc --budgets 200KiB/20KiB,120KiB/14KiB --finetune-batches 1 --finetune-batch 16" +
                            " --val-images 40 --episodes 2 --warmup 2 --random-search 1 --rerank 0 --final-epochs 0" +
                            " --shrunk-epochs 1 " + kPactRecipe + " --out " + t.dir + "/sweep";
  for (int ranks : {1, 2}) {
    const Run r = mpq_on_ranks(ranks, flags + std::to_string(ranks));
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.out);
  }
  const std::string one = t.dir + "/sweep1", two = t.dir + "/sweep2";
  for (const char* file : {"/sweep.md", "/sweep.json", "/sweep.svg"})
    BOOST_TEST(slurp(two + file) == slurp(one + file), file);
  for (const char* budget : {"/200KiB_20KiB", "/120KiB_14KiB"}) expect_same_search_results(one + budget, two + budget);
  for (const char* model : {"/shrunk/mobilenet-v1-w0.2-1x28x28-c10-small-input.mpqc",
                            "/shrunk/mobilenet-v1-w0.15-1x28x28-c10-small-input.mpqc"})
    BOOST_TEST(checkpoint_without_timing(two + model) == checkpoint_without_timing(one + model), model);
}

// A folder in the way of rank 1's final checkpoint fails that rank alone.
BOOST_AUTO_TEST_CASE(an_error_on_one_rank_ends_the_job_with_its_one_line_error) {
  const TinySearch& t = tiny_search();
  const std::string out = t.dir + "/failing";
  BOOST_REQUIRE(std::system(("mkdir -p " + out + "/final/rule-based.mpqc").c_str()) == 0);
  const Run r = mpq_on_ranks(2, t.flags + kShortSearch + " --out " + out);
  BOOST_TEST(r.code == 1, r.out);
  BOOST_TEST(contains(r.out, "mpq: error: rank 1 of 2: " + out + "/final/rule-based.mpqc: is a folder"), r.out);
}

BOOST_AUTO_TEST_CASE(a_rank_killed_by_a_signal_ends_the_job) {
  const TinySearch& t = tiny_search();
  const Run r = mpq_on_ranks(2, t.flags + kShortSearch + " --out " + t.dir + "/killed",
                             "-x MPQ_TEST_KILL_DURING_WRITE=rule-based.mpqc:1:100");
  BOOST_TEST(r.code > 0, r.out);
  BOOST_TEST(contains(r.out, "exited on signal 9"), r.out);
}

// A few batches of data-parallel training: the model depends on --shards, never on the
// ranks; the same without mpirun. Fine-tunes with PACT clips and LSQ steps, whose
// parameters' gradients are reduced like the weights', and their EMA ranges.
BOOST_AUTO_TEST_CASE(train_and_finetune_give_the_same_checkpoints_on_one_and_two_ranks) {
  const TinySearch& t = tiny_search();
  const std::string dir = t.dir + "/dp";
  const std::string flags = " --data " + t.dir + " --val-size 60 --threads 1 --batch 16 --max-batches 3";
  BOOST_REQUIRE(std::system(("mkdir -p " + dir).c_str()) == 0);
  const std::string train = "train" + flags + " --epochs 2 --shards 2 --out " + dir;
  BOOST_REQUIRE(mpq(train + "/alone.mpqc").code == 0);
  for (int ranks : {1, 2}) {
    const Run r = mpq_on_ranks(ranks, train + "/np" + std::to_string(ranks) + ".mpqc");
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.out);
    // Rank 0 alone prints.
    BOOST_TEST(r.out.find("epoch 2/2") == r.out.rfind("epoch 2/2"), r.out);
  }
  const std::string expected = checkpoint_without_timing(dir + "/alone.mpqc");
  BOOST_TEST(checkpoint_without_timing(dir + "/np1.mpqc") == expected);
  BOOST_TEST(checkpoint_without_timing(dir + "/np2.mpqc") == expected);
  // Not vacuous: one shard (BN statistics over the whole batch) trains another model.
  BOOST_REQUIRE(mpq("train" + flags + " --epochs 2 --out " + dir + "/one-shard.mpqc").code == 0);
  BOOST_TEST(checkpoint_without_timing(dir + "/one-shard.mpqc") != expected);

  for (const char* quantizer : {"pact", "lsq"}) {
    const std::string q = std::string(quantizer);
    // On 2 ranks --shards defaults to 2.
    for (int ranks : {1, 2}) {
      const std::string out = dir + "/" + q + std::to_string(ranks) + ".mpqc";
      const Run r = mpq_on_ranks(ranks, "finetune" + flags + " --epochs 1 --calibration-images 16 --uniform 4 " +
                                            "--quantizer " + q + " --checkpoint " + dir + "/alone.mpqc --out " + out +
                                            (ranks == 1 ? " --shards 2" : ""));
      BOOST_REQUIRE_MESSAGE(r.code == 0, r.out);
    }
    const std::string one = dir + "/" + q + "1.mpqc", two = dir + "/" + q + "2.mpqc";
    BOOST_TEST(checkpoint_without_timing(two) == checkpoint_without_timing(one), quantizer);
  }
}

// A data-parallel training killed while rank 0 writes its second epoch's checkpoint
// continues with --resume (its shards recorded there) to the uninterrupted model.
BOOST_AUTO_TEST_CASE(a_killed_data_parallel_training_resumes_to_the_same_model) {
  const TinySearch& t = tiny_search();
  const std::string dir = t.dir + "/dp-resume";
  BOOST_REQUIRE(std::system(("mkdir -p " + dir).c_str()) == 0);
  const std::string train =
      "train --data " + t.dir + " --val-size 60 --threads 1 --batch 16 --max-batches 2 --epochs 3 --out ";
  BOOST_REQUIRE(mpq_on_ranks(2, train + dir + "/whole.mpqc").code == 0);
  const Run killed = mpq_on_ranks(2, train + dir + "/cut.mpqc", "-x MPQ_TEST_KILL_DURING_WRITE=cut.mpqc:2:100");
  BOOST_TEST(killed.code > 0, killed.out);
  // The killed job left a complete earlier epoch's checkpoint.
  BOOST_TEST(checkpoint_without_timing(dir + "/cut.mpqc") != checkpoint_without_timing(dir + "/whole.mpqc"));
  // Resumed on 1 rank: the checkpoint's 2 shards, not one per rank.
  const Run resumed = mpq_on_ranks(1, train + dir + "/cut.mpqc --resume");
  BOOST_REQUIRE_MESSAGE(resumed.code == 0, resumed.out);
  BOOST_TEST(checkpoint_without_timing(dir + "/cut.mpqc") == checkpoint_without_timing(dir + "/whole.mpqc"));
}

BOOST_AUTO_TEST_CASE(commands_other_than_search_sweep_train_and_finetune_refuse_several_ranks_and_run_on_one) {
  BOOST_TEST(mpq_on_ranks(1, "info --model mobilenet_v1").code == 0);
  const Run r = mpq_on_ranks(2, "info --model mobilenet_v1");
  BOOST_TEST(r.code == 2, r.out);
  BOOST_TEST(contains(r.out, "'info' runs as one process"), r.out);
}

BOOST_AUTO_TEST_SUITE_END()
