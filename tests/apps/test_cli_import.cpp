// mpq import / mpq export-weights on the PyTorch fixtures of tests/fixtures/torch.
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <string>

#include "cli_helpers.hpp"

using namespace mpq_cli_test;

namespace {

const std::string kFixtures = MPQ_TORCH_FIXTURES;
// The model flags of tests/fixtures/torch/mobilenet_v1.safetensors (see its .io file).
const std::string kV1 = "--model mobilenet_v1 --width 0.0625 --input 1x32x32 --classes 10 --stem small";

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_import)

BOOST_AUTO_TEST_CASE(import_and_export_weights_have_help) {
  for (const char* cmd : {"import", "export-weights"}) {
    Run r = mpq(std::string(cmd) + " --help");
    BOOST_TEST(r.code == 0, cmd);
    BOOST_TEST(contains(r.out, std::string("usage: mpq ") + cmd), cmd);
  }
  BOOST_TEST(contains(mpq("--help").out, "export-weights"));
}

BOOST_AUTO_TEST_CASE(import_export_import_round_trips_byte_for_byte) {
  const std::string dir = temp_dir();
  const std::string weights = kFixtures + "/mobilenet_v1.safetensors";
  expect_exit("import " + kV1 + " --weights " + weights + " --out " + dir + "/a.mpqc", 0, "wrote " + dir + "/a.mpqc");
  // Positional checkpoint, default output path beside it.
  expect_exit("export-weights " + dir + "/a.mpqc", 0);
  BOOST_TEST((slurp(dir + "/a.safetensors") == slurp(weights)));
  expect_exit("import " + kV1 + " --weights " + dir + "/a.safetensors --out " + dir + "/b.mpqc --json", 0,
              "\"tensors\": 164");
  BOOST_TEST((slurp(dir + "/a.mpqc") == slurp(dir + "/b.mpqc")));
  expect_exit("export-weights --checkpoint " + dir + "/b.mpqc --out " + dir + "/sub/b.safetensors --json", 0);
  BOOST_TEST((slurp(dir + "/sub/b.safetensors") == slurp(weights)));
}

BOOST_AUTO_TEST_CASE(an_imported_checkpoint_evaluates_like_a_trained_one) {
  const std::string dir = temp_dir();
  write_tiny_idx(dir, "train", 100);
  write_tiny_idx(dir, "t10k", 50);
  Run r = mpq("import " + kV1 + " --weights " + kFixtures + "/mobilenet_v1.safetensors --out " + dir + "/m.mpqc");
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.out);
  expect_exit("eval --data " + dir + " --val-size 20 --threads 1 --checkpoint " + dir + "/m.mpqc --json", 0,
              "\"kind\": \"float\"");
}

BOOST_AUTO_TEST_CASE(wrong_files_and_models_exit_1_naming_the_tensor) {
  const std::string dir = temp_dir();
  const std::string weights = kFixtures + "/mobilenet_v1.safetensors";
  Run r =
      expect_exit("import --model mobilenet_v1 --width 0.25 --weights " + weights + " --out " + dir + "/x.mpqc", 1,
                  "mpq: error: " + weights + ": tensor 'features.1.3.weight' has shape [8x8x1x1], expected [16x8x1x1]");
  BOOST_TEST(!exists(dir + "/x.mpqc"));

  expect_exit("import --model mnasnet --weights " + weights + " --out " + dir + "/x.mpqc", 1,
              "missing tensor 'layers.0.weight'");

  const std::string bytes = slurp(weights);
  std::ofstream(dir + "/cut.safetensors", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  r = expect_exit("import " + kV1 + " --weights " + dir + "/cut.safetensors --out " + dir + "/x.mpqc", 1,
                  "cut.safetensors: tensor '");
  BOOST_TEST(contains(r.out, "run past the end of the data"), r.out);

  expect_exit("import " + kV1 + " --weights " + dir + "/missing.safetensors --out " + dir + "/x.mpqc", 1,
              "missing.safetensors");
  expect_exit("export-weights " + dir + "/missing.mpqc", 1, "missing.mpqc");
}

BOOST_AUTO_TEST_CASE(missing_or_bad_flags_are_usage_errors) {
  expect_exit("import --model mobilenet_v2 --out /tmp/x.mpqc", 2, "--weights is required");
  expect_exit("import --weights w.safetensors", 2, "--out is required");
  expect_exit("import --weights w.safetensors --out x.mpqc --stem tiny", 2, "--stem 'tiny'");
  expect_exit("export-weights a.mpqc b.mpqc", 2);
}

BOOST_AUTO_TEST_SUITE_END()
