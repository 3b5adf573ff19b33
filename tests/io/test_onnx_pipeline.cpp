// An imported ONNX model goes through every command like a built-in one: train, info,
// memory, finetune, export, run, eval (integer == fake-quant agreement), search and
// export-weights, all from the checkpoint that `mpq import --onnx` wrote.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "cli_helpers.hpp"
#include "libmpq/core/atomic_file.hpp"
#include "libmpq/data/npy_array.hpp"
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
  expect_integer_agreement(data, q8, dir + "/q8.mpqm", 0.97);
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
  expect_integer_agreement(data, q, dir + "/q.mpqm", 0.97);
}

// MLPerf Tiny's ResNet-8 (make_onnx_fixtures.py, on 1x32x32 Fashion-MNIST-shaped input):
// residual stacks whose adds are followed by a ReLU and whose shortcuts are strided 1x1
// convs, through a searched mixed policy, export and the integer runtime.
BOOST_AUTO_TEST_CASE(mlperf_tiny_resnet8_searches_exports_and_runs_integer_as_fake_quant) {
  const std::string dir = temp_dir();
  write_tiny_idx(dir, "train", 200);
  write_tiny_idx(dir, "t10k", 40);
  const std::string data = "--data " + dir + " --val-size 40 --batch 16 --threads 1";
  const std::string f = dir + "/f.mpqc", q = dir + "/q.mpqc", m = dir + "/q.mpqm";
  expect_exit("import --onnx " + mpq_onnx_test::fixture_dir() + "/resnet8_fmnist.onnx --out " + f, 0);
  // 8-bit ResNet-8 needs about 50 kB of RAM: a budget that makes the search cut bits.
  expect_exit("search --data " + dir + " --val-size 40 --threads 1 --checkpoint " + f +
                  " --flash 256kB --ram 40kB --episodes 2 --warmup 1 --random-search 1 --rerank 0 " +
                  "--finetune-batches 1 --finetune-batch 16 --val-images 40 --final-epochs 0 --no-shrunk --out " +
                  dir + "/s",
              0);
  expect_exit("finetune " + data + " --checkpoint " + f + " --policy " + dir + "/s/policy.json --epochs 1 " +
                  "--max-batches 2 --calibration-images 16 --out " + q,
              0);
  expect_exit("export --checkpoint " + q + " --out " + m, 0, "equal to the memory model");
  expect_integer_agreement(data, q, m, 0.97);

  // Logit for logit on raw 8-bit rows: the integer model's dequantized scores are the
  // fake-quant model's (the untrained model predicts one class for every row, so top-1
  // agreement alone would prove little).
  mpq::NpyArray x{mpq::NpyType::uint8, {32, 1, 32, 32}, {}};
  for (int64_t i = 0; i < x.elements(); ++i) x.bytes.push_back(static_cast<char>((i * 2654435761u) >> 24));
  mpq::write_file_atomically(dir + "/x.npy", mpq::encode_npy(x));
  const auto fake_quant = logits_of(expect_exit("run --checkpoint " + q + " --npy " + dir + "/x.npy --json", 0));
  const auto integer = logits_of(expect_exit("run --model " + m + " --npy " + dir + "/x.npy --json", 0));
  BOOST_REQUIRE(fake_quant.size() == 32 && integer.size() == 32);
  int equal_rows = 0;
  for (size_t i = 0; i < integer.size(); ++i) {
    BOOST_REQUIRE(integer[i].size() == 10 && fake_quant[i].size() == 10);
    bool equal = true;
    for (size_t k = 0; k < 10; ++k) equal = equal && std::fabs(integer[i][k] - fake_quant[i][k]) <= 1e-5f;
    equal_rows += equal;
  }
  // A code rounded the other way at a tie may move one row.
  BOOST_TEST(equal_rows >= 31, equal_rows << " of 32 rows with equal logits");
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
