#include <boost/test/unit_test.hpp>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

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
  expect_exit("train --shards 0", 2, "mpq: error: --shards 0: expected 1..--batch (128)");
  expect_exit("train --batch 4 --shards 5", 2, "mpq: error: --shards 5: expected 1..--batch (4)");
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
  expect_exit("finetune " + q + " --uniform 4 --quantizer lsc --out " + dir + "/ql.mpqc", 2, "auto, pact, lsq");

  // Learned step sizes with distillation: the checkpoint reloads (eval rebuilds its step
  // parameters from the metadata), exports, and the integer path agrees with it.
  expect_exit("finetune " + q + " --uniform-w 2 --uniform-a 4 --quantizer lsq --distill 0.5 --epochs 1 --out " + dir +
                  "/lsq.mpqc --json",
              0, "\"quantizer\": \"lsq\"");
  expect_exit("export --checkpoint " + dir + "/lsq.mpqc --out " + dir + "/lsq.mpqm", 0);
  expect_integer_agreement("--data " + dir + " --val-size 80", dir + "/lsq.mpqc", dir + "/lsq.mpqm", 0.97);

  // A progressive schedule: the 2-bit fine-tune starts from the w2a4 one's weights; a
  // float checkpoint is no such start.
  expect_exit("finetune " + q + " --uniform 2 --quantizer lsq --start-from " + dir + "/lsq.mpqc --epochs 1 --out " +
                  dir + "/prog.mpqc",
              0, "fake-quant accuracy");
  expect_exit("finetune " + q + " --uniform 2 --start-from " + dir + "/m.mpqc --out " + dir + "/prog2.mpqc", 1,
              "expected a fine-tuned");

  // The finer bias grid is recorded in the checkpoint, so eval and export rebuild it, and a
  // resume without the flag is refused.
  expect_exit("finetune " + q + " --uniform-w 2 --uniform-a 4 --quantizer lsq --fine-bias --epochs 1 --out " + dir +
                  "/fine.mpqc --json",
              0, "\"fine_bias\": true");
  expect_exit("finetune " + q + " --uniform-w 2 --uniform-a 4 --quantizer lsq --epochs 2 --resume --out " + dir +
                  "/fine.mpqc",
              2, "recipe lsq+fine-bias, these options give lsq");
  expect_exit("export --checkpoint " + dir + "/fine.mpqc --out " + dir + "/fine.mpqm", 0);
  expect_integer_agreement("--data " + dir + " --val-size 80", dir + "/fine.mpqc", dir + "/fine.mpqm", 0.97);

  // The default --quantizer auto: a policy with a 2-bit tensor gets LSQ with distillation,
  // bias correction and the fine bias grid, recorded; eval and export rebuild it (the
  // integer path agrees), a resume with another recipe is refused; 4 bits keep PACT.
  expect_exit("finetune " + q + " --uniform-w 4 --uniform-a 2 --epochs 1 --out " + dir + "/auto.mpqc --json", 0,
              "\"recipe\": \"lsq+distill0.5+mean+fine-bias\"");
  expect_exit("finetune " + q + " --uniform-w 4 --uniform-a 2 --quantizer pact --epochs 2 --resume --out " + dir +
                  "/auto.mpqc",
              2, "recipe lsq+distill0.5+mean+fine-bias, these options give pact");
  expect_exit("export --checkpoint " + dir + "/auto.mpqc --out " + dir + "/auto.mpqm", 0);
  expect_integer_agreement("--data " + dir + " --val-size 80", dir + "/auto.mpqc", dir + "/auto.mpqm", 0.97);
  expect_exit("finetune " + q + " --uniform 4 --epochs 1 --max-batches 1 --out " + dir + "/auto4.mpqc --json", 0,
              "\"recipe\": \"pact\"");
}

// The row of the stage table that starts with `stage` (padded: progress lines are not).
std::string stage_row(const std::string& out, const std::string& stage) {
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(stage + "  ", 0) == 0) return line;
  return "";
}

BOOST_AUTO_TEST_CASE(a_search_prints_where_its_time_went_and_a_rerun_skips_the_rescoring_it_has_done, *boost::unit_test::label("heavy")) {
  const TinyFloat tiny = tiny_float(300, 60, "");
  const std::string &dir = tiny.dir, &data = tiny.data;
  const std::string search = "search " + data + " --checkpoint " + dir + "/f.mpqc --episodes 4 --warmup 2 " +
                             "--random-search 1 --finetune-batches 1 --finetune-batch 16 --val-images 40 --rerank 2 " +
                             "--rerank-batches 1 --final-epochs 0 --no-shrunk --reject-chunk 16 " + kPactRecipe +
                             " --out " + dir + "/s";
  Run r = mpq(search + " --fidelity early-reject");
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
  expect_exit(search + " --fidelity quarter", 2, "--fidelity 'quarter': expected full, early-reject or halving");

  // Halving: the reports name the mode and its settings, and the run says how many
  // candidates got the full proxy.
  const std::string halving = search.substr(0, search.rfind(" --out ")) + " --out " + dir + "/h";
  r = mpq(halving + " --fidelity halving --short-batches 1 --short-images 20");
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.out);
  BOOST_TEST(contains(r.out, "candidates got the full proxy"), r.out);
  BOOST_TEST(contains(slurp(dir + "/h/report.json"), "\"fidelity\": \"halving\""));
  BOOST_TEST(contains(slurp(dir + "/h/report.md"), "fidelity halving (short proxy: 1 fine-tune batches, 20 class-balanced"));
  expect_exit(halving + " --fidelity halving --short-images 0", 2, "--short-images >= 1");
}

BOOST_AUTO_TEST_CASE(an_impossible_budget_is_a_one_line_error_with_the_minimum) {
  expect_exit("search --flash 10KiB --ram 1KiB --checkpoint /nonexistent.mpqc", 1);  // the checkpoint is read first
  const std::string dir = tiny_float(100, 20, "--max-batches 1").dir;
  const Run r = expect_exit("search --data " + dir + " --val-size 20 --checkpoint " + dir +
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
  // --fit --patch auto: each uniform policy with its own stage, beside its RAM layer by
  // layer and its MAC overhead; a stage never costs RAM, and only a policy over the RAM
  // budget layer by layer takes one (its records cost FLASH).
  // 16 KiB: 8-bit activations are over it layer by layer, 4-bit ones not.
  const auto fit =
      nlohmann::json::parse(expect_exit("memory --fit --patch auto --flash 1MiB --ram 16KiB --json", 0).out);
  BOOST_REQUIRE(fit["policies"].size() == 9u);
  int staged = 0;
  for (const auto& row : fit["policies"]) {
    BOOST_TEST(row["ram_bytes"].get<uint64_t>() <= row["unpatched_ram_bytes"].get<uint64_t>(), row.dump());
    const bool none = row["patch"].is_null();
    BOOST_TEST((row["mac_overhead"].get<double>() > 0) == !none, row.dump());
    BOOST_TEST(row["mac_overhead"].get<double>() <= 0.2, row.dump());
    BOOST_TEST(none == (row["unpatched_ram_bytes"].get<uint64_t>() <= 16u * 1024u), row.dump());
    staged += none ? 0 : 1;
  }
  BOOST_TEST(staged > 0);
  expect_exit("memory --fit --patch auto", 0, "unpatched B");
  expect_exit("memory --patch 0:33", 1, "grid 33 is larger than op 0's 32x32 output");
  expect_exit("memory --patch 27:2", 1, "a stage holds at most 16 ops");
  expect_exit("memory --patch 1:2 --model mobilenet_v2", 1, "residual");
  expect_exit("memory --patch seven", 1, "not none, auto or LAST_OP:GRID");
  // A stage whose tiles need more RAM than layer by layer: the stem and first depthwise on
  // one tile keep both whole plus a window and a tile copy.
  Run costly = expect_exit("memory --patch 1:1", 1, "the stage through op 1 (features.1.0) on a 1x1 grid needs");
  BOOST_TEST(contains(costly.out, "more than the 24648 B without it"), costly.out);

  const mpq_cli_test::Workspace& w = mpq_cli_test::workspace();
  const std::string dir = temp_dir();
  // mpq export refuses the same stages with the same one-line errors, and writes nothing.
  for (const auto& [stage, message] : {std::pair{"1:1", "the stage through op 1 (features.1.0) on a 1x1 grid needs"},
                                       std::pair{"0:33", "grid 33 is larger than op 0's 32x32 output"},
                                       std::pair{"27:2", "a stage holds at most 16 ops"}}) {
    const Run bad = expect_exit("export --checkpoint " + w.q8 + " --out " + dir + "/bad.mpqm --patch " + stage, 1,
                                std::string("mpq: error: --patch: ") + "");
    BOOST_TEST(contains(bad.out, message), bad.out);
    BOOST_TEST(bad.out.find('\n') == bad.out.size() - 1, bad.out);  // one line
    BOOST_TEST(!exists(dir + "/bad.mpqm"));
  }
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

// --patch-input stream: mpq memory gives the streamed arena (input buffer 0 B) beside the
// whole-input one, mpq export writes a blob whose stage streams its input and which mpq
// eval runs (window by window, on the host) exactly like the plain blob; misuse is a
// one-line error.
BOOST_AUTO_TEST_CASE(a_streamed_input_lowers_ram_and_keeps_the_integer_outputs) {
  const auto j = nlohmann::json::parse(expect_exit("memory --patch auto --patch-input stream --json", 0).out);
  BOOST_TEST(j["input_bytes"].get<uint64_t>() == 0u);
  BOOST_TEST(j["patch"]["stream_input"].get<bool>());
  BOOST_TEST(j["ram_bytes"].get<uint64_t>() <= j["whole_input_ram_bytes"].get<uint64_t>());
  const auto whole = nlohmann::json::parse(expect_exit("memory --patch auto --json", 0).out);
  BOOST_TEST(whole["whole_input_ram_bytes"] == whole["ram_bytes"]);
  BOOST_TEST(j["whole_input_ram_bytes"] == whole["ram_bytes"]);
  BOOST_TEST(!whole["patch"]["stream_input"].get<bool>());
  expect_exit("memory --patch auto --patch-input stream", 0, "input streamed (--patch-input stream): RAM");
  expect_exit("memory --patch-input stream", 2, "mpq: error: --patch-input stream: the input is streamed by a patch");
  expect_exit("memory --patch auto --patch-input sideways", 2, "'sideways' is neither whole nor stream");
  expect_exit("memory --fit --patch auto --patch-input stream", 0, "unpatched B");

  const mpq_cli_test::Workspace& w = mpq_cli_test::workspace();
  const std::string dir = temp_dir();
  const Run none = expect_exit("export --checkpoint " + w.q8 + " --out " + dir + "/bad.mpqm --patch-input stream", 2,
                               "mpq: error: --patch-input stream: the input is streamed by a patch stage from op 0");
  BOOST_TEST(none.out.find('\n') == none.out.size() - 1, none.out);  // one line
  BOOST_TEST(!exists(dir + "/bad.mpqm"));
  expect_exit("export --checkpoint " + w.q8 + " --out " + dir + "/plain.mpqm", 0);
  const Run streamed = expect_exit("export --checkpoint " + w.q8 + " --out " + dir +
                                       "/streamed.mpqm --patch auto --patch-input stream --json",
                                   0, "\"stream_input\": true");
  // export has checked the blob's arena against memory_report of the streamed stage.
  const auto sj = nlohmann::json::parse(streamed.out);
  const std::string eval = "eval " + w.data_flags + " --checkpoint " + w.q8 + " --json --model " + dir;
  std::string plain = expect_exit(eval + "/plain.mpqm", 0).out;
  std::string stream = expect_exit(eval + "/streamed.mpqm", 0).out;
  auto without_path = [&](std::string out, const std::string& name) {
    const size_t at = out.find(dir + "/" + name);
    if (at != std::string::npos) out.erase(at, dir.size() + 1 + name.size());
    const size_t seconds = out.find("\"seconds\"");
    if (seconds != std::string::npos) out.erase(seconds, out.find('\n', seconds) - seconds);
    return out;
  };
  BOOST_TEST(contains(plain, "top1_agreement"), plain);
  BOOST_TEST(without_path(plain, "plain.mpqm") == without_path(stream, "streamed.mpqm"));
  BOOST_TEST(sj["ram_bytes"].get<uint64_t>() > 0u);
}

// --inplace depthwise: mpq memory gives the in-place arena beside the separate one (lower
// for MobileNetV2, whose expanded depthwise ops peak), mpq export writes a blob the
// device's loader accepts with the memory model's arena and mpq eval runs it as the plain
// blob; misuse is a usage error; --fit takes it.
BOOST_AUTO_TEST_CASE(in_place_depthwise_lowers_ram_and_keeps_the_integer_outputs) {
  const auto j = nlohmann::json::parse(expect_exit("memory --model mobilenet_v2 --inplace depthwise --json", 0).out);
  BOOST_TEST(j["inplace_depthwise"].get<bool>());
  BOOST_TEST(j["ram_bytes"].get<uint64_t>() < j["separate_ram_bytes"].get<uint64_t>());
  const auto plain = nlohmann::json::parse(expect_exit("memory --model mobilenet_v2 --json", 0).out);
  BOOST_TEST(plain["ram_bytes"] == j["separate_ram_bytes"]);
  expect_exit("memory --inplace depthwise", 0, "in-place depthwise (--inplace depthwise): RAM");
  expect_exit("memory --inplace sideways", 2, "'sideways' is none of none, depthwise and all");
  expect_exit("memory --fit --inplace depthwise", 0, "separate B");  // test_cli_inplace_search.cpp checks the rows

  const mpq_cli_test::Workspace& w = mpq_cli_test::workspace();
  const std::string dir = temp_dir();
  expect_exit("export --checkpoint " + w.q8 + " --out " + dir + "/plain.mpqm", 0);
  const Run in_place = expect_exit("export --checkpoint " + w.q8 + " --out " + dir +
                                       "/inplace.mpqm --patch auto --inplace depthwise --json",
                                   0, "\"inplace_depthwise\": true");
  expect_exit("export --checkpoint " + w.q8 + " --out " + dir + "/bad.mpqm --inplace sideways", 2,
              "'sideways' is none of none, depthwise and all");
  const std::string eval = "eval " + w.data_flags + " --checkpoint " + w.q8 + " --json --model " + dir;
  auto without_path = [&](std::string out, const std::string& name) {
    const size_t at = out.find(dir + "/" + name);
    if (at != std::string::npos) out.erase(at, dir.size() + 1 + name.size());
    const size_t seconds = out.find("\"seconds\"");
    if (seconds != std::string::npos) out.erase(seconds, out.find('\n', seconds) - seconds);
    return out;
  };
  BOOST_TEST(without_path(expect_exit(eval + "/plain.mpqm", 0).out, "plain.mpqm") ==
             without_path(expect_exit(eval + "/inplace.mpqm", 0).out, "inplace.mpqm"));
  BOOST_TEST(nlohmann::json::parse(in_place.out)["ram_bytes"].get<uint64_t>() > 0u);
}

// FLASH with a board is blob + libmpq_fw's measured code; --code none and --flash give the
// blob alone, the figure mpq memory printed before code was counted.
BOOST_AUTO_TEST_CASE(memory_counts_code_with_a_board_and_the_blob_alone_with_code_none) {
  auto json = [](const std::string& args) { return nlohmann::json::parse(expect_exit(args, 0).out); };
  const nlohmann::json blob = json("memory --uniform 4 --flash 1MiB --ram 1MiB --json");
  BOOST_TEST(blob["code"].is_null());
  BOOST_TEST(blob["code_flash_bytes"].get<uint64_t>() == 0u);
  BOOST_TEST(blob["flash_bytes"] == blob["model_flash_bytes"]);
  BOOST_TEST(blob["flash_bytes"].get<uint64_t>() == 141796u);  // the 4-bit default model's blob (docs/porting.md)
  const nlohmann::json none = json("memory --uniform 4 --board stm32f412 --code none --json");
  BOOST_TEST(none["flash_bytes"] == blob["flash_bytes"]);
  BOOST_TEST(none["code_target"].is_null());
  const Run probe = mpq("memory --uniform 4 --board stm32f412 --json");
  if (contains(probe.out, "\"code_target\": null")) {  // this mpq measured no code sizes
    BOOST_TEST(probe.code == 0);
    expect_exit("memory --uniform 4 --board stm32f412 --code 3", 2, "not measured");
    return;
  }
  const nlohmann::json o3 = json("memory --uniform 4 --board stm32f412 --json");
  const nlohmann::json os = json("memory --uniform 4 --board stm32f412 --code s --json");
  BOOST_TEST(o3["code_target"] == "cortex-m4 -O3");
  BOOST_TEST(os["code_target"] == "cortex-m4 -Os");
  for (const nlohmann::json* j : {&o3, &os}) {
    const nlohmann::json& c = (*j)["code"];
    BOOST_TEST((*j)["model_flash_bytes"] == blob["flash_bytes"]);
    BOOST_TEST((*j)["flash_bytes"].get<uint64_t>() ==
               (*j)["model_flash_bytes"].get<uint64_t>() + (*j)["code_flash_bytes"].get<uint64_t>());
    BOOST_TEST((*j)["code_flash_bytes"].get<uint64_t>() ==
               c["runtime_bytes"].get<uint64_t>() + c["variant_bytes"].get<uint64_t>() + c["table_bytes"].get<uint64_t>());
    BOOST_TEST(c["variants"].get<int>() == 5);
    BOOST_TEST(c["variant_bytes"].get<uint64_t>() <= c["unshared_variant_bytes"].get<uint64_t>());
    BOOST_TEST((*j)["flash_margin"].get<int64_t>() ==
               (*j)["flash_budget"].get<int64_t>() - (*j)["flash_bytes"].get<int64_t>());
  }
  BOOST_TEST(os["code_flash_bytes"].get<uint64_t>() < o3["code_flash_bytes"].get<uint64_t>());
  // --cpu another core; a core or level that was not measured is a usage error.
  BOOST_TEST(json("memory --uniform 4 --flash 1MiB --cpu cortex-m7 --json")["code_target"] == "cortex-m7 -O3");
  expect_exit("memory --uniform 4 --cpu cortex-m0", 2, "no code sizes measured for cortex-m0 -O3");
  expect_exit("memory --uniform 4 --code fast", 2, "--code: 'fast' is not an optimization level");
  expect_exit("memory --uniform 4 --board stm32f412", 0, "kernel variants");
}

BOOST_AUTO_TEST_SUITE_END()
