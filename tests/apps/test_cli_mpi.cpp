// `mpq search` on the ranks of an MPI job (issue 19, docs/scale-out.md): the results do
// not depend on the number of ranks, and a rank that fails ends the job instead of
// leaving the others waiting. Needs mpirun: the suite is disabled and run only by its own
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
    const Run r = mpq("train " + data + " --epochs 2 --batch 16 --out " + k.dir + "/f.mpqc");
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
    // 8-bit model's float training and fine-tunes.
    const Run r = mpq_on_ranks(ranks, t.flags + " --episodes 5 --warmup 3 --random-search 3 --rerank 2 --rerank-batches 1" +
                                          " --final-epochs 1 --final-seeds 2 --shrunk-epochs 1 --out " + t.dir + "/np" +
                                          std::to_string(ranks));
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.out);
    // Rank 0 alone prints progress: one line per episode, not one per rank.
    BOOST_TEST(r.out.find("episode 1/") == r.out.rfind("episode 1/"), r.out);
  }
  expect_same_search_results(t.dir + "/np1", t.dir + "/np2");
  BOOST_TEST(contains(slurp(t.dir + "/np2/report.md"), "shrunk model, uniform 8-bit"));
  // The shrunk model's float training (rank 0) and its seed-2 fine-tune (rank 1 of 2); its
  // checkpoint names the float one it started from, in its own --out.
  for (const char* file : {"/shrunk/float.mpqc", "/final/shrunk-w8a8.seed2.mpqc"})
    BOOST_TEST(checkpoint_without_timing(t.dir + "/np2" + file, {"source"}) ==
                   checkpoint_without_timing(t.dir + "/np1" + file, {"source"}),
               file);
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

BOOST_AUTO_TEST_CASE(commands_other_than_search_refuse_several_ranks_and_run_on_one) {
  BOOST_TEST(mpq_on_ranks(1, "info --model mobilenet_v1").code == 0);
  const Run r = mpq_on_ranks(2, "info --model mobilenet_v1");
  BOOST_TEST(r.code == 2, r.out);
  BOOST_TEST(contains(r.out, "'info' runs as one process"), r.out);
}

BOOST_AUTO_TEST_SUITE_END()
