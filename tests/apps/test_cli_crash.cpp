// Crash safety of the long-running commands (issue 16; training's own test is in
// tests/train/test_trainer.cpp): kill -9 of mpq finetune, search, sweep and export, at random
// moments and inside chosen file writes (MPQ_TEST_KILL_DURING_WRITE, see
// libmpq/core/atomic_file.hpp), leaves the previous or the new file, whole, and the
// resumed run ends with the same files as an uninterrupted one. The random moments and
// byte counts come from a seed printed at the start (--log_level=message shows it);
// MPQ_CRASH_SEED=<seed> repeats a run.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "cli_helpers.hpp"
#include "libmpq/nn/checkpoint.hpp"

using namespace mpq_cli_test;

namespace {

Run run(const std::string& args) { return mpq_cli_test::mpq(args); }  // mpq:: is the library

std::mt19937_64& moments() {
  static std::mt19937_64 rng = [] {
    const char* fixed = std::getenv("MPQ_CRASH_SEED");
    const uint64_t seed = fixed ? std::stoull(fixed) : std::random_device{}();
    BOOST_TEST_MESSAGE("crash tests: MPQ_CRASH_SEED=" << seed);
    return std::mt19937_64(seed);
  }();
  return rng;
}
double random_in(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(moments()); }
size_t random_below(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(moments()); }

// Wall time of `mpq args`, which must succeed.
double timed_run(const std::string& args) {
  const auto start = std::chrono::steady_clock::now();
  const Run r = run(args);
  BOOST_REQUIRE_MESSAGE(r.code == 0, "mpq " << args << "\n" << r.out);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_crash)

BOOST_AUTO_TEST_CASE(a_finetune_killed_in_and_between_its_checkpoint_writes_resumes_to_the_same_checkpoint) {
  const Workspace& w = workspace();
  const std::string dir = temp_dir();
  const std::string finetune = "finetune " + w.data_flags + " --checkpoint " + w.float_checkpoint +
                               " --uniform 4 --epochs 3 --max-batches 2 --calibration-images 16 --out ";
  const double seconds = timed_run(finetune + dir + "/a.mpqc");
  const std::string expected = checkpoint_without_timing(dir + "/a.mpqc");
  const size_t size = slurp(dir + "/a.mpqc").size();

  // Killed inside its second checkpoint write (epoch 2): epoch 1's checkpoint stays.
  const std::string k = dir + "/k.mpqc";
  std::string spec = "k.mpqc:2:" + std::to_string(random_below(size));
  Run r = mpq_killed_in_write(spec, finetune + k);
  BOOST_TEST(r.killed, spec << "\n" << r.out);
  BOOST_TEST(mpq::load_checkpoint(k).meta_or("epoch", "") == "1", spec);
  BOOST_TEST(exists(k + ".tmp"));
  // Resumed, and killed with epoch 3's checkpoint written but not yet in its place.
  r = mpq_killed_in_write("k.mpqc:2:" + std::to_string(2 * size), finetune + k + " --resume");
  BOOST_TEST(r.killed, r.out);
  BOOST_TEST(mpq::load_checkpoint(k).meta_or("epoch", "") == "2");
  // Resumed, and killed at a random moment (an epoch, a write, the final evaluation or
  // after the end): whatever is there loads.
  const double at = random_in(0.05, 1.0) * seconds;
  r = mpq_killed_after(at, finetune + k + " --resume");
  BOOST_TEST_MESSAGE("finetune killed after " << at << " s: " << (r.killed ? "killed" : "finished"));
  BOOST_TEST(mpq::load_checkpoint(k).meta_or("kind", "") == "finetune");
  r = run(finetune + k + " --resume");
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.out);
  BOOST_TEST(checkpoint_without_timing(k) == expected);

  // Killed before its first checkpoint was in place: no checkpoint, and --resume starts over.
  spec = "k2.mpqc:1:" + std::to_string(random_below(size + 1));
  r = mpq_killed_in_write(spec, finetune + dir + "/k2.mpqc");
  BOOST_TEST(r.killed, spec << "\n" << r.out);
  BOOST_TEST(!exists(dir + "/k2.mpqc"));
  r = run(finetune + dir + "/k2.mpqc --resume");
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.out);
  BOOST_TEST(checkpoint_without_timing(dir + "/k2.mpqc") == expected);
  BOOST_TEST(!exists(dir + "/k2.mpqc.tmp"));
}

BOOST_AUTO_TEST_CASE(a_search_killed_at_random_moments_and_in_its_writes_resumes_to_the_same_results) {
  const auto [dir, data] = tiny_float(300, 60, "");  // the default model, one whole epoch
  // 3 warm-up, 5 agent and 3 random-search episodes, the re-scoring of the 8 agent
  // policies and 4 calibrated (0-epoch) final checkpoints.
  const std::string search = "search " + data + " --checkpoint " + dir + "/f.mpqc --episodes 8 --warmup 3 " +
                             "--random-search 3 --finetune-batches 1 --finetune-batch 16 --val-images 40 " +
                             "--final-epochs 0 --no-shrunk " + kPactRecipe + " --out ";
  const double seconds = timed_run(search + dir + "/a");
  BOOST_TEST(contains(slurp(dir + "/a/report.md"), "searched (DDPG)"));

  // b: kill -9 at a random moment of a whole run (an evaluation, an agent update, a state
  // write, the comparison, or before the first state), then resumed to the end.
  const double at = random_in(0.05, 0.95) * seconds;
  Run r = mpq_killed_after(at, search + dir + "/b");
  BOOST_TEST_MESSAGE("search killed after " << at << " s of " << seconds << " s: "
                                             << (r.killed ? "killed" : "finished"));
  // Look before the next run writes one: a slow build may be killed before its first state.
  const bool killed_run_left_a_state = exists(dir + "/b/search.state");
  r = run(search + dir + "/b");
  if (killed_run_left_a_state) {
    BOOST_TEST(r.code == 2);  // never overwrites a run without --resume
    BOOST_TEST(contains(r.out, "--resume"));
  }
  r = run(search + dir + "/b --resume");
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.out);
  expect_same_search_results(dir + "/a", dir + "/b");

  // c: killed inside chosen writes. Within an episode the state is the only file written,
  // so a kill anywhere in it (its evaluation, the agent's update) leaves what a kill just
  // before the state's rename leaves: the previous episode's state.
  const std::string c = search + dir + "/c";
  const size_t state_size = slurp(dir + "/a/search.state").size();
  std::string spec = "search.state:4:" + std::to_string(random_below(state_size));  // torn
  r = mpq_killed_in_write(spec, c);
  BOOST_TEST(r.killed, spec << "\n" << r.out);
  spec = "search.state:3:" + std::to_string(2 * state_size);  // after episode 6's update, not in place
  r = mpq_killed_in_write(spec, c + " --resume");
  BOOST_TEST(r.killed, spec << "\n" << r.out);
  BOOST_TEST(contains(r.out, "resuming after episode 3"), r.out);
  // The second write of rescores.json (the re-scores, then the comparison's scores): the
  // first one's file stays, whole, and the next run reads it (a torn file would be an
  // error).
  spec = "rescores.json:2:" + std::to_string(random_below(slurp(dir + "/a/rescores.json").size()));
  r = mpq_killed_in_write(spec, c + " --resume");
  BOOST_TEST(r.killed, spec << "\n" << r.out);
  BOOST_TEST(contains(r.out, "resuming after episode 5"), r.out);
  BOOST_TEST(exists(dir + "/c/rescores.json"));
  // The comparison's first checkpoint write (the searched policy's calibrated checkpoint).
  spec = "searched.mpqc:1:" + std::to_string(random_below(slurp(dir + "/a/final/searched.mpqc").size()));
  r = mpq_killed_in_write(spec, c + " --resume");
  BOOST_TEST(r.killed, spec << "\n" << r.out);
  BOOST_TEST(contains(r.out, "resuming after episode 11"), r.out);
  BOOST_TEST(exists(dir + "/c/final/searched.mpqc.tmp"));
  r = run(c + " --resume");
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.out);
  BOOST_TEST(contains(r.out, "resuming after episode 11"), r.out);
  expect_same_search_results(dir + "/a", dir + "/c");
}

BOOST_AUTO_TEST_CASE(a_sweep_killed_in_a_budget_and_in_its_own_writes_continues_to_the_same_curves) {
  const auto [dir, data] = tiny_float(200, 40, "--width 0.125 --max-batches 2");
  // Two budgets of the default grid: its first (the tightest) and its last.
  Run r = run("sweep " + data + " --checkpoint " + dir + "/f.mpqc --dry-run");
  const std::regex folder("-> ([^ ]+)/ ");
  std::vector<std::string> folders;
  for (auto m = std::sregex_iterator(r.out.begin(), r.out.end(), folder); m != std::sregex_iterator(); ++m)
    folders.push_back((*m)[1].str());
  BOOST_REQUIRE_MESSAGE(folders.size() >= 2u, r.out);
  const std::string first = "/" + folders.front(), second = "/" + folders.back();
  std::string budgets = folders.front() + "," + folders.back();
  std::replace(budgets.begin(), budgets.end(), '_', '/');
  const std::string sweep = "sweep " + data + " --checkpoint " + dir + "/f.mpqc --budgets " + budgets +
                            " --episodes 3 --warmup 2 --random-search 1 --finetune-batches 1 --finetune-batch 16 " +
                            "--val-images 40 --final-epochs 0 --rerank 0 --no-shrunk " + kPactRecipe + " --out ";
  timed_run(sweep + dir + "/a");

  // Killed inside the first budget's report: that search is not finished, no sweep files.
  const std::string b = sweep + dir + "/b";
  std::string spec = "report.json:1:" + std::to_string(random_below(slurp(dir + "/a" + first + "/report.json").size()));
  r = mpq_killed_in_write(spec, b);
  BOOST_TEST(r.killed, spec << "\n" << r.out);
  BOOST_TEST(!exists(dir + "/b" + first + "/report.json"));
  BOOST_TEST(!exists(dir + "/b/sweep.md"));
  // Run again (no flag needed): the first budget resumes to its end, and the second is
  // killed with its searched policy written but not in place.
  spec = "policy.json:2:" + std::to_string(2 * slurp(dir + "/a" + second + "/policy.json").size());
  r = mpq_killed_in_write(spec, b);
  BOOST_TEST(r.killed, spec << "\n" << r.out);
  BOOST_TEST(contains(r.out, "budget 2/2"), r.out);
  BOOST_TEST(exists(dir + "/b" + first + "/report.json"));
  BOOST_TEST(exists(dir + "/b" + second + "/policy.json.tmp"));
  // Killed inside the sweep's own plot, after its table.
  r = mpq_killed_in_write("sweep.svg:1:" + std::to_string(random_below(slurp(dir + "/a/sweep.svg").size())), b);
  BOOST_TEST(r.killed, r.out);
  BOOST_TEST(contains(r.out, "finished before"), r.out);
  BOOST_TEST(exists(dir + "/b/sweep.md"));
  BOOST_TEST(!exists(dir + "/b/sweep.svg"));
  r = run(b);
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.out);
  for (const char* f : {"/sweep.md", "/sweep.json", "/sweep.svg"})
    BOOST_TEST(slurp(dir + "/b" + f) == slurp(dir + "/a" + f), f);
  for (const std::string& budget : {first, second}) {
    BOOST_TEST(slurp(dir + "/b" + budget + "/policy.json") == slurp(dir + "/a" + budget + "/policy.json"), budget);
    BOOST_TEST(report_without_time(dir + "/b" + budget + "/report.md") ==
                   report_without_time(dir + "/a" + budget + "/report.md"),
               budget);
  }
}

BOOST_AUTO_TEST_CASE(an_export_killed_in_its_writes_leaves_each_file_previous_or_new) {
  const Workspace& w = workspace();
  const std::string dir = temp_dir();
  const std::string export_q4 = "export --checkpoint " + w.q4, export_q8 = "export --checkpoint " + w.q8;
  const std::string outputs = " --out " + dir + "/m.mpqm --c-source " + dir + "/m.c";
  Run r = run(export_q8 + " --out " + dir + "/new/m.mpqm --c-source " + dir + "/new/m.c");
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.out);
  r = run(export_q4 + outputs);
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.out);
  const std::string previous[3] = {slurp(dir + "/m.mpqm"), slurp(dir + "/m.c"), slurp(dir + "/m.h")};
  const std::string fresh[3] = {slurp(dir + "/new/m.mpqm"), slurp(dir + "/new/m.c"), slurp(dir + "/new/m.h")};
  BOOST_REQUIRE(previous[0] != fresh[0]);

  // Killed inside the blob's write: all three files are the previous ones.
  std::string spec = "m.mpqm:1:" + std::to_string(random_below(fresh[0].size()));
  r = mpq_killed_in_write(spec, export_q8 + outputs);
  BOOST_TEST(r.killed, spec << "\n" << r.out);
  BOOST_TEST(slurp(dir + "/m.mpqm") == previous[0], spec);
  BOOST_TEST(slurp(dir + "/m.c") == previous[1]);
  BOOST_TEST(slurp(dir + "/m.h") == previous[2]);
  // Killed inside the C source's write: the new blob, the previous C files.
  spec = "m.c:1:" + std::to_string(random_below(fresh[1].size() + 1));
  r = mpq_killed_in_write(spec, export_q8 + outputs);
  BOOST_TEST(r.killed, spec << "\n" << r.out);
  BOOST_TEST(slurp(dir + "/m.mpqm") == fresh[0]);
  BOOST_TEST(slurp(dir + "/m.c") == previous[1], spec);
  BOOST_TEST(slurp(dir + "/m.h") == previous[2]);
  // Run again: every file is the new one, the same as an uninterrupted export's.
  r = run(export_q8 + outputs);
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.out);
  BOOST_TEST(slurp(dir + "/m.mpqm") == fresh[0]);
  BOOST_TEST(slurp(dir + "/m.c") == fresh[1]);
  BOOST_TEST(slurp(dir + "/m.h") == fresh[2]);
  BOOST_TEST(!exists(dir + "/m.c.tmp"));
}

BOOST_AUTO_TEST_SUITE_END()
