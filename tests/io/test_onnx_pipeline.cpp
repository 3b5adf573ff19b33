// An imported ONNX model goes through every command like a built-in one: train, info,
// memory, finetune, export, run, eval (integer == fake-quant agreement), search and
// export-weights, all from the checkpoint that `mpq import --onnx` wrote.
#include <boost/test/unit_test.hpp>

#include <string>

#include "cli_helpers.hpp"
#include "onnx_fixtures.hpp"

using namespace mpq_cli_test;

BOOST_AUTO_TEST_SUITE(onnx_pipeline)

BOOST_AUTO_TEST_CASE(an_imported_model_trains_finetunes_exports_and_runs_with_integer_agreement) {
  const std::string dir = temp_dir();
  const std::string onnx = mpq_onnx_test::fixture_dir() + "/residual_depthwise.onnx";
  write_tiny_idx(dir, "train", 200);
  write_tiny_idx(dir, "t10k", 40);
  const std::string data = "--data " + dir + " --val-size 40 --batch 16 --threads 1";
  const std::string f = dir + "/f.mpqc";

  expect_exit("import --onnx " + onnx + " --out " + f + " --json", 0, "\"model\": \"graph ");
  expect_exit("info --model " + f, 0, "/stem/stem.0/Conv");
  expect_exit("memory --model " + f + " --uniform 4", 0, "FLASH");
  expect_exit("eval " + data + " --checkpoint " + f + " --json", 0, "\"kind\": \"float\"");
  // Training from scratch rebuilds the graph from the checkpoint given as --model.
  expect_exit("train " + data + " --model " + f + " --epochs 1 --max-batches 2 --out " + dir + "/t.mpqc", 0);
  expect_exit("eval " + data + " --checkpoint " + dir + "/t.mpqc --json", 0, "\"kind\": \"float\"");

  const std::string q8 = dir + "/q8.mpqc";
  expect_exit("finetune " + data + " --checkpoint " + f + " --uniform 8 --epochs 1 --max-batches 2 " +
                  "--calibration-images 16 --out " + q8,
              0, "fake-quant accuracy");
  expect_exit("export --checkpoint " + q8 + " --out " + dir + "/q8.mpqm", 0);
  Run r = expect_exit("eval " + data + " --checkpoint " + q8 + " --model " + dir + "/q8.mpqm --json", 0);
  const size_t at = r.out.find("\"top1_agreement\": ");
  BOOST_REQUIRE_MESSAGE(at != std::string::npos, r.out);
  BOOST_TEST(std::stod(r.out.substr(at + 18)) >= 0.97, r.out);
  expect_exit("run --model " + dir + "/q8.mpqm " + mpq_onnx_test::fixture_dir() + "/image.pgm --json", 0,
              "\"top\": ");

  expect_exit("export-weights --checkpoint " + f + " --out " + dir + "/f.safetensors", 0);
  expect_exit("search --data " + dir + " --val-size 40 --threads 1 --checkpoint " + f +
                  " --episodes 2 --warmup 1 --random-search 1 " +
                  "--finetune-batches 1 --finetune-batch 16 --val-images 40 --final-epochs 0 --no-shrunk --out " +
                  dir + "/s",
              0);
  // The searched policy names the imported model by its fingerprint; the graph comes from
  // the checkpoint.
  expect_exit("memory --model " + f + " --policy " + dir + "/s/policy.json", 0, "FLASH");
  expect_exit("memory --policy " + dir + "/s/policy.json", 2, "give its checkpoint with --model C.mpqc");
  expect_exit("finetune " + data + " --checkpoint " + f + " --policy " + dir + "/s/policy.json --epochs 1 " +
                  "--max-batches 1 --calibration-images 16 --out " + dir + "/searched.mpqc",
              0);
}

BOOST_AUTO_TEST_CASE(an_imported_model_with_max_and_average_pools_exports_with_integer_agreement) {
  const std::string dir = temp_dir();
  write_tiny_idx(dir, "train", 100);
  write_tiny_idx(dir, "t10k", 40);
  const std::string data = "--data " + dir + " --val-size 40 --batch 16 --threads 1";
  const std::string f = dir + "/f.mpqc", q = dir + "/q.mpqc";
  expect_exit("import --onnx " + mpq_onnx_test::fixture_dir() + "/padded_pools.onnx --out " + f, 0);
  expect_exit("finetune " + data + " --checkpoint " + f + " --uniform-w 4 --uniform-a 8 --epochs 1 --max-batches 2 " +
                  "--calibration-images 16 --out " + q,
              0);
  expect_exit("export --checkpoint " + q + " --out " + dir + "/q.mpqm", 0);
  Run r = expect_exit("eval " + data + " --checkpoint " + q + " --model " + dir + "/q.mpqm --json", 0);
  const size_t at = r.out.find("\"top1_agreement\": ");
  BOOST_REQUIRE_MESSAGE(at != std::string::npos, r.out);
  BOOST_TEST(std::stod(r.out.substr(at + 18)) >= 0.97, r.out);
}

BOOST_AUTO_TEST_CASE(import_errors_exit_1_in_one_line_and_write_nothing) {
  const std::string dir = temp_dir();
  Run r = expect_exit("import --onnx " + mpq_onnx_test::fixture_dir() + "/sigmoid.onnx --out " + dir + "/x.mpqc", 1,
                      "mpq: error: ");
  BOOST_TEST(contains(r.out, "(Sigmoid): op type 'Sigmoid' is not supported"), r.out);
  BOOST_TEST(!exists(dir + "/x.mpqc"));
  expect_exit("import --onnx " + dir + "/missing.onnx --out " + dir + "/x.mpqc", 1, "missing.onnx");
  expect_exit("import --onnx m.onnx --weights w.safetensors --out x.mpqc", 2, "--weights is for a built-in");
  expect_exit("import --onnx m.onnx --model mnasnet --out x.mpqc", 2, "--model, --width and --stem");
}

BOOST_AUTO_TEST_SUITE_END()
