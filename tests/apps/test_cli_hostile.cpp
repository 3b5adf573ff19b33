// Hostile inputs: every one ends in a one-line `mpq: error: ...` naming the file, field or
// flag, never in an abort, a crash, a silent coercion or a meaningless result.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <fstream>
#include <string>

#include <sys/stat.h>

#include "cli_helpers.hpp"
#include "libmpq/nn/checkpoint.hpp"

using namespace mpq_cli_test;

namespace {

// The mpq binary (the helper's name clashes with namespace mpq here).
Run cli(const std::string& args) { return mpq_cli_test::mpq(args); }

// A copy of `checkpoint` changed by `edit`, saved as `path`.
template <typename Edit>
std::string edited_checkpoint(const std::string& checkpoint, const std::string& path, Edit edit) {
  mpq::Checkpoint c = mpq::load_checkpoint(checkpoint);
  edit(c);
  mpq::save_checkpoint(path, c);
  return path;
}

mpq::Tensor& tensor_named(mpq::Checkpoint& c, const std::string& tail) {
  for (auto& t : c.tensors)
    if (t.first.size() >= tail.size() && t.first.compare(t.first.size() - tail.size(), tail.size(), tail) == 0)
      return t.second;
  BOOST_FAIL("no tensor ending in " + tail);
  throw;
}

// Exit code 1 and an `mpq: error:` line mentioning every part.
void check_failure(const Run& r, std::initializer_list<std::string> parts) {
  BOOST_TEST(r.code == 1, r.out);
  BOOST_TEST(contains(r.out, "mpq: error: "), r.out);
  for (const std::string& part : parts) BOOST_TEST(contains(r.out, part), "'" << r.out << "' mentions '" << part << "'");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_hostile)

BOOST_AUTO_TEST_CASE(out_of_range_numbers_on_the_command_line_are_usage_errors) {
  const std::string big = "9223372036854775807";
  for (const std::string& args : std::initializer_list<std::string>{"info --classes " + big, "memory --uniform 8 --classes " + big, "train --epochs " + big, "eval --batch " + big,
        "eval --batch 0", "finetune --uniform 4 --calibration-images 0", "finetune --uniform 4 --calibration-images -1"}) {
    Run r = cli(args);
    BOOST_TEST(r.code == 2, args << ": " << r.out);
    BOOST_TEST(contains(r.out, "mpq: error: --"), args << ": " << r.out);
  }
}

BOOST_AUTO_TEST_CASE(policies_with_coerced_numbers_are_refused) {
  const std::string dir = temp_dir();
  const std::string head = R"({"format":"mpq-policy","version":1,"model":{"arch":"mobilenet_v1","width":0.25,)"
                           R"("input":"1x32x32","classes":)";
  for (const auto& [classes, bits, field] :
       {std::tuple<std::string, std::string, std::string>{"10", "2.9", "w_bits' is 2.9"},
        {"10", "4294967298", "w_bits' is 4294967298"},
        {"10.7", "4", "'model.classes' is 10.7"},
        {"1000000000000000000", "4", "'model.classes' is 1000000000000000000"}}) {
    std::ofstream(dir + "/p.json") << head << classes << R"(,"small_input":true},"layers":[{"name":"features.0.0",)"
                                   << R"("kind":"conv","w_bits":)" << bits << R"(,"a_bits":8}]})";
    check_failure(cli("memory --policy " + dir + "/p.json"), {dir + "/p.json", field});
  }
}

BOOST_AUTO_TEST_CASE(run_reads_regular_files_only) {
  const std::string dir = temp_dir();
  BOOST_TEST(::mkfifo((dir + "/fifo").c_str(), 0600) == 0);
  check_failure(cli("run --model " + dir + "/fifo x.png"), {dir + "/fifo: is a FIFO"});
  check_failure(cli("run --model /dev/zero x.png"), {"/dev/zero: is a device"});
}

BOOST_AUTO_TEST_CASE(a_board_file_named_unlike_its_name_field_is_refused) {
  const std::string dir = temp_dir();
  std::ofstream(dir + "/mine.json") << R"({"name": "other", "core": "c", "flash_bytes": 1000000, "ram_bytes": 100000})";
  check_failure(cli("memory --uniform 8 --board " + dir + "/mine.json"), {"mine.json", "expected 'mine'"});
}

BOOST_AUTO_TEST_CASE(eval_refuses_an_empty_split_and_a_blob_of_another_checkpoint) {
  const Workspace& w = workspace();
  const std::string dir = temp_dir();
  write_tiny_idx(dir, "train", 100);
  write_tiny_idx(dir, "t10k", 0);
  check_failure(cli("eval --data " + dir + " --val-size 20 --checkpoint " + w.float_checkpoint),
                {"--data " + dir, "test split holds no images"});

  Run r = cli("export --checkpoint " + w.q4 + " --out " + dir + "/q4.mpqm");
  BOOST_TEST(r.code == 0, r.out);
  r = cli("eval " + w.data_flags + " --model " + dir + "/q4.mpqm --checkpoint " + w.q4);
  BOOST_TEST(r.code == 0, r.out);
  BOOST_TEST(contains(r.out, "agreement"), r.out);
  check_failure(cli("eval " + w.data_flags + " --model " + dir + "/q4.mpqm --checkpoint " + w.q8),
                {dir + "/q4.mpqm: was not exported from " + w.q8});
  check_failure(cli("eval " + w.data_flags + " --model " + dir + "/q4.mpqm --checkpoint " + w.float_checkpoint),
                {w.float_checkpoint, "'float' checkpoint"});
}

BOOST_AUTO_TEST_CASE(checkpoints_with_impossible_contents_are_refused_naming_the_field) {
  const Workspace& w = workspace();
  const std::string dir = temp_dir();
  // The writer takes any spec; readers refuse this one (eval segfaulted, export-weights took it).
  const std::string huge_input = edited_checkpoint(w.float_checkpoint, dir + "/input.mpqc", [](mpq::Checkpoint& c) {
    c.spec.in_height = c.spec.in_width = int64_t{1} << 40;
  });
  for (const std::string& cmd : std::initializer_list<std::string>{"eval " + w.data_flags + " --checkpoint ", "export-weights --out " + dir + "/w.safetensors "})
    check_failure(cli(cmd + huge_input), {huge_input, "model input 1x1099511627776x1099511627776"});

  const std::string nan_weight = edited_checkpoint(w.q4, dir + "/nan_weight.mpqc", [](mpq::Checkpoint& c) {
    tensor_named(c, ".weight")[0] = std::nanf("");
  });
  check_failure(cli("export --checkpoint " + nan_weight + " --out " + dir + "/m.mpqm"), {nan_weight, "holds nan"});
  BOOST_TEST(!exists(dir + "/m.mpqm"));
  const std::string nan_alpha = edited_checkpoint(w.q4, dir + "/nan_alpha.mpqc", [](mpq::Checkpoint& c) {
    tensor_named(c, ".alpha")[0] = std::nanf("");
  });
  check_failure(cli("export --checkpoint " + nan_alpha + " --out " + dir + "/m.mpqm"), {nan_alpha, ".alpha' holds nan"});
  const std::string negative_var = edited_checkpoint(w.float_checkpoint, dir + "/var.mpqc", [](mpq::Checkpoint& c) {
    tensor_named(c, ".running_var")[0] = -1.f;
  });
  check_failure(cli("eval " + w.data_flags + " --checkpoint " + negative_var), {negative_var, "variance >= 0"});

  for (const char* std_text : {"0", "-1", "nan"}) {
    const std::string bad_std = edited_checkpoint(w.q4, dir + "/std.mpqc", [&](mpq::Checkpoint& c) {
      c.meta["input_std"] = std_text;
    });
    check_failure(cli("export --checkpoint " + bad_std + " --out " + dir + "/m.mpqm"),
                  {bad_std, "input_std[0]", "expected a positive finite number"});
  }
  BOOST_TEST(!exists(dir + "/m.mpqm"));
}

BOOST_AUTO_TEST_CASE(resume_refuses_a_checkpoint_whose_counts_are_not_numbers) {
  const Workspace& w = workspace();
  const std::string dir = temp_dir();
  for (const char* epoch : {"abc", "99999999999999999999"}) {
    const std::string ckpt = edited_checkpoint(w.float_checkpoint, dir + "/r.mpqc", [&](mpq::Checkpoint& c) {
      c.meta["epoch"] = epoch;
    });
    check_failure(cli("train " + w.data_flags + " " + w.model_flags + " --epochs 1 --resume --out " + ckpt),
                  {ckpt, "metadata 'epoch' is '" + std::string(epoch) + "'"});
  }
  for (const char* steps : {"x", "-5"}) {
    const std::string ckpt = edited_checkpoint(w.q4, dir + "/f.mpqc", [&](mpq::Checkpoint& c) {
      c.meta["optimizer.steps"] = steps;
    });
    check_failure(cli("finetune " + w.data_flags + " --checkpoint " + w.float_checkpoint +
                      " --uniform 4 --epochs 2 --max-batches 1 --calibration-images 16 --resume --out " + ckpt),
                  {ckpt, "metadata 'optimizer.steps' is '" + std::string(steps) + "'"});
  }
}

BOOST_AUTO_TEST_SUITE_END()
