#include <boost/test/unit_test.hpp>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include "cli_helpers.hpp"

using namespace mpq_cli_test;

BOOST_AUTO_TEST_SUITE(cli)

BOOST_AUTO_TEST_CASE(every_command_has_help_and_exits_zero) {
  for (const char* cmd : {"demo", "train", "search", "finetune", "export", "run", "eval", "info", "memory", "bench train"}) {
    Run r = mpq(std::string(cmd) + " --help");
    BOOST_TEST(r.code == 0, cmd);
    BOOST_TEST(contains(r.out, "usage: mpq"), cmd);
  }
  Run top = mpq("--help");
  BOOST_TEST(top.code == 0);
  BOOST_TEST(contains(top.out, "train"));
}

BOOST_AUTO_TEST_CASE(usage_errors_exit_2_with_one_line_naming_the_problem) {
  expect_exit("frobnicate", 2, "mpq: error: unknown command 'frobnicate'");
  expect_exit("train --epochs 0", 2, "mpq: error: --epochs 0");
  expect_exit("info --model resnet50", 2, "resnet50");
  expect_exit("info --no-such-flag", 2, "no-such-flag");
  expect_exit("info --input 3x224", 2, "3x224");
  expect_exit("bench", 2);
}

BOOST_AUTO_TEST_CASE(failures_exit_1_and_name_the_file) {
  const std::string dir = temp_dir();
  expect_exit("eval --checkpoint " + dir + "/missing.mpqc", 1, "missing.mpqc");
  std::ofstream(dir + "/junk.mpqc") << "this is not a checkpoint";
  expect_exit("eval --checkpoint " + dir + "/junk.mpqc", 1, "junk.mpqc");
  expect_exit("train --data " + dir + " --out " + dir + "/x.mpqc", 1, dir);
}

BOOST_AUTO_TEST_CASE(info_json_reports_parameters_macs_and_layers) {
  const Run r = expect_exit("info --json", 0, "\"params\": 215498");
  BOOST_TEST(contains(r.out, "\"macs\""));
  BOOST_TEST(contains(r.out, "\"layers\""));
}

BOOST_AUTO_TEST_CASE(train_eval_and_resume_on_a_tiny_idx_dataset) {
  const std::string dir = temp_dir();
  write_tiny_idx(dir, "train", 400);
  write_tiny_idx(dir, "t10k", 100);
  const std::string common = "--data " + dir + " --val-size 80 --batch 32 --threads 1 --out " + dir + "/m.mpqc";
  Run r = expect_exit("train " + common + " --epochs 1", 0, "epoch 1/1");
  BOOST_TEST(contains(r.out, "test accuracy"));
  // A second run must not silently overwrite the checkpoint...
  expect_exit("train " + common + " --epochs 2", 2, "--resume");
  // ...but continues it with --resume, from epoch 2.
  r = expect_exit("train " + common + " --epochs 2 --resume", 0, "resuming");
  BOOST_TEST(contains(r.out, "epoch 2/2"));
  BOOST_TEST(!contains(r.out, "epoch 1/2"));
  expect_exit("eval --data " + dir + " --val-size 80 --checkpoint " + dir + "/m.mpqc --split validation --json", 0,
              "\"images\": 80");

  // Quantization-aware fine-tune of a uniform 4-bit policy, then its evaluation.
  const std::string q = "--data " + dir + " --val-size 80 --batch 32 --threads 1 --checkpoint " + dir + "/m.mpqc";
  expect_exit("finetune " + q + " --uniform 4 --epochs 1 --out " + dir + "/q4.mpqc", 0, "fake-quant accuracy");
  expect_exit("eval --data " + dir + " --val-size 80 --checkpoint " + dir + "/q4.mpqc --json", 0,
              "\"kind\": \"finetune\"");
  // Bad policies are usage errors or failures that name the problem.
  expect_exit("finetune " + q + " --uniform 3 --out " + dir + "/q3.mpqc", 2, "expected 2, 4 or 8");
  std::ofstream(dir + "/bad.json") << "{\"format\": \"mpq-policy\"";
  expect_exit("finetune " + q + " --policy " + dir + "/bad.json --out " + dir + "/qb.mpqc", 1, "bad.json");
  expect_exit("finetune " + q + " --out " + dir + "/qn.mpqc", 2);
  expect_exit("finetune " + q + " --uniform 4 --quantizer lsc --out " + dir + "/ql.mpqc", 2, "pact, lsq");

  // Learned step sizes with distillation: the checkpoint reloads (eval rebuilds its step
  // parameters from the metadata), exports, and the integer path agrees with it.
  expect_exit("finetune " + q + " --uniform-w 2 --uniform-a 4 --quantizer lsq --distill 0.5 --epochs 1 --out " + dir +
                  "/lsq.mpqc --json",
              0, "\"quantizer\": \"lsq\"");
  expect_exit("export --checkpoint " + dir + "/lsq.mpqc --out " + dir + "/lsq.mpqm", 0);
  r = expect_exit(
      "eval --data " + dir + " --val-size 80 --checkpoint " + dir + "/lsq.mpqc --model " + dir + "/lsq.mpqm --json", 0);
  const size_t at = r.out.find("\"top1_agreement\": ");
  BOOST_REQUIRE_MESSAGE(at != std::string::npos, r.out);
  BOOST_TEST(std::stod(r.out.substr(at + 18)) >= 0.97, r.out);

  // A progressive schedule: the 2-bit fine-tune starts from the w2a4 one's weights; a
  // float checkpoint is no such start.
  expect_exit("finetune " + q + " --uniform 2 --quantizer lsq --start-from " + dir + "/lsq.mpqc --epochs 1 --out " +
                  dir + "/prog.mpqc",
              0, "fake-quant accuracy");
  expect_exit("finetune " + q + " --uniform 2 --start-from " + dir + "/m.mpqc --out " + dir + "/prog2.mpqc", 1,
              "expected a fine-tuned");

  // The finer bias grid is recorded in the checkpoint, so eval and export rebuild it, and a
  // resume without the flag is refused.
  expect_exit("finetune " + q + " --uniform-w 2 --uniform-a 4 --fine-bias --epochs 1 --out " + dir + "/fine.mpqc --json", 0,
              "\"fine_bias\": true");
  expect_exit("finetune " + q + " --uniform-w 2 --uniform-a 4 --epochs 2 --resume --out " + dir + "/fine.mpqc", 2,
              "with --fine-bias");
  expect_exit("export --checkpoint " + dir + "/fine.mpqc --out " + dir + "/fine.mpqm", 0);
  r = expect_exit(
      "eval --data " + dir + " --val-size 80 --checkpoint " + dir + "/fine.mpqc --model " + dir + "/fine.mpqm --json", 0);
  const size_t fine_at = r.out.find("\"top1_agreement\": ");
  BOOST_REQUIRE_MESSAGE(fine_at != std::string::npos, r.out);
  BOOST_TEST(std::stod(r.out.substr(fine_at + 18)) >= 0.97, r.out);
}

// The row of the stage table that starts with `stage` (padded: progress lines are not).
std::string stage_row(const std::string& out, const std::string& stage) {
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(stage + "  ", 0) == 0) return line;
  return "";
}

BOOST_AUTO_TEST_CASE(a_search_prints_where_its_time_went_and_a_rerun_skips_the_rescoring_it_has_done) {
  const std::string dir = temp_dir();
  write_tiny_idx(dir, "train", 300);
  write_tiny_idx(dir, "t10k", 60);
  const std::string data = "--data " + dir + " --val-size 60 --threads 1";
  Run r = mpq("train " + data + " --epochs 1 --batch 32 --out " + dir + "/f.mpqc");
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.out);
  const std::string search = "search " + data + " --checkpoint " + dir + "/f.mpqc --episodes 4 --warmup 2 " +
                             "--random-search 1 --finetune-batches 1 --finetune-batch 16 --val-images 40 --rerank 2 " +
                             "--rerank-batches 1 --final-epochs 0 --no-shrunk --reject-chunk 16 --out " + dir + "/s";
  r = mpq(search + " --fidelity early-reject");
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.out);
  BOOST_TEST(contains(r.out, "where the search's time went"));
  BOOST_TEST(contains(stage_row(r.out, "re-scoring"), " ran "), r.out);
  BOOST_TEST(contains(stage_row(r.out, "search: agent episodes, evaluations"), " ran "), r.out);
  const std::string report = slurp(dir + "/s/report.json");
  BOOST_TEST(contains(report, "\"stages\""));
  BOOST_TEST(contains(report, "\"fidelity\": \"early-reject\""));
  const std::string policy = slurp(dir + "/s/policy.json");

  r = mpq(search + " --fidelity early-reject --resume");
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.out);
  BOOST_TEST(contains(stage_row(r.out, "re-scoring"), " skipped "), r.out);
  BOOST_TEST(contains(stage_row(r.out, "search: agent episodes, evaluations"), " skipped "), r.out);
  BOOST_TEST(slurp(dir + "/s/policy.json") == policy);

  r = expect_exit(search + " --resume", 1, "mpq: error: ");  // full fidelity: other settings
  BOOST_TEST(contains(r.out, "other settings"));
  expect_exit(search + " --fidelity halving", 2, "--fidelity 'halving': expected full or early-reject");
}

BOOST_AUTO_TEST_CASE(an_impossible_budget_is_a_one_line_error_with_the_minimum) {
  expect_exit("search --flash 10KiB --ram 1KiB --checkpoint /nonexistent.mpqc", 1);  // the checkpoint is read first
  const std::string dir = temp_dir();
  write_tiny_idx(dir, "train", 100);
  write_tiny_idx(dir, "t10k", 20);
  Run r = mpq("train --data " + dir + " --val-size 20 --epochs 1 --batch 32 --threads 1 --max-batches 1 --out " + dir +
              "/f.mpqc");
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.out);
  r = expect_exit("search --data " + dir + " --val-size 20 --checkpoint " + dir +
                      "/f.mpqc --flash 10KiB --ram 1KiB --out " + dir + "/s",
                  1, "mpq: error: no policy fits");
  BOOST_TEST(contains(r.out, "smallest achievable"));
}

// --patch on mpq memory and mpq export: the automatic stage lowers the default model's RAM
// within the MAC cap, a patched blob evaluates exactly like the unpatched one, and bad
// stages are one-line errors naming the op or the grid.
BOOST_AUTO_TEST_CASE(patch_stages_lower_ram_and_keep_the_integer_outputs) {
  const Run r = expect_exit("memory --patch auto --json", 0, "\"grid\"");
  // The number after "key": in the JSON.
  auto number = [&](const std::string& key) {
    const size_t at = r.out.find("\"" + key + "\": ");
    BOOST_REQUIRE_MESSAGE(at != std::string::npos, key << " in " << r.out);
    return std::stod(r.out.substr(at + key.size() + 4));
  };
  BOOST_TEST(number("ram_bytes") < number("unpatched_ram_bytes"), r.out);
  BOOST_TEST(number("patched_macs") <= 1.2 * number("macs"), r.out);
  BOOST_TEST(number("patched_macs") > number("macs"), r.out);
  expect_exit("memory --patch features.3.3:4", 0, "on a 4x4 grid");
  expect_exit("memory --patch 0:33", 1, "grid 33 is larger than op 0's 32x32 output");
  expect_exit("memory --patch 27:2", 1, "a stage holds at most 16 ops");
  expect_exit("memory --patch 1:2 --model mobilenet_v2", 1, "residual");
  expect_exit("memory --patch seven", 1, "not none, auto or LAST_OP:GRID");

  const mpq_cli_test::Workspace& w = mpq_cli_test::workspace();
  const std::string dir = temp_dir();
  expect_exit("export --checkpoint " + w.q8 + " --out " + dir + "/plain.mpqm", 0);
  expect_exit("export --checkpoint " + w.q8 + " --out " + dir + "/patched.mpqm --patch auto", 0, "patch stage: ops 0..");
  const std::string eval = "eval " + w.data_flags + " --checkpoint " + w.q8 + " --json --model " + dir;
  const std::string plain = expect_exit(eval + "/plain.mpqm", 0).out;
  const std::string patched = expect_exit(eval + "/patched.mpqm", 0).out;
  BOOST_TEST(contains(plain, "top1_agreement"), plain);
  // Same accuracy and agreement (eval also re-exported the checkpoint with the blob's stage
  // and found the same bytes); only the model path and the time differ.
  auto without_path = [&](std::string out, const std::string& name) {
    const size_t at = out.find(dir + "/" + name);
    if (at != std::string::npos) out.erase(at, dir.size() + 1 + name.size());
    const size_t seconds = out.find("\"seconds\"");
    if (seconds != std::string::npos) out.erase(seconds, out.find('\n', seconds) - seconds);
    return out;
  };
  BOOST_TEST(without_path(plain, "plain.mpqm") == without_path(patched, "patched.mpqm"));
}

BOOST_AUTO_TEST_SUITE_END()
