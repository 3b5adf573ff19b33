// MLPerf Tiny's keyword-spotting DS-CNN (make_onnx_fixtures.py: 1x49x10 input, a 10x4 stem
// with stride 2 and SAME padding 4,1,5,1, depthwise-separable blocks, a 25x5 average pool)
// through the integer path from the command line: import, a tiny fine-tune on .npy data,
// export, then the integer model's scores equal the fake-quant model's logits row by row
// (`mpq run --npy --json` of both; at most one code apart on rare rounding ties) and eval
// agrees on the top class.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "cli_helpers.hpp"
#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/rng.hpp"
#include "libmpq/data/npy_array.hpp"
#include "onnx_fixtures.hpp"

using namespace mpq_cli_test;

namespace {

// n rows of seeded raw 8-bit 1x49x10 features (x.npy, uint8) and labels 0..11 (y.npy).
void write_features(const std::string& dir, int64_t n) {
  mpq::Rng rng(49);
  mpq::NpyArray x{mpq::NpyType::uint8, {n, 1, 49, 10}, {}};
  for (int64_t i = 0; i < n * 49 * 10; ++i) x.bytes.push_back(static_cast<char>(rng.below(256)));
  mpq::NpyArray y{mpq::NpyType::uint8, {n}, {}};
  for (int64_t i = 0; i < n; ++i) y.bytes.push_back(static_cast<char>(i % 12));
  mpq::write_file_atomically(dir + "/x.npy", mpq::encode_npy(x));
  mpq::write_file_atomically(dir + "/y.npy", mpq::encode_npy(y));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(onnx_ds_cnn_pipeline)

BOOST_AUTO_TEST_CASE(ds_cnn_finetunes_exports_and_runs_integer_equal_to_fake_quant) {
  const std::string dir = temp_dir();
  write_features(dir, 96);
  const std::string x = dir + "/x.npy";
  const std::string data = "--data " + x + "," + dir + "/y.npy --val-size 16 --batch 16 --threads 1";
  const std::string f = dir + "/f.mpqc";
  expect_exit("import --onnx " + mpq_onnx_test::fixture_dir() + "/ds_cnn.onnx --out " + f, 0);
  // 8 bits, and 4-bit weights with 8-bit activations (the stem's 10x4 window on the fast
  // kernels' sub-byte paths).
  int run = 0;
  for (const std::string bits : {"--uniform 8", "--uniform-w 4 --uniform-a 8"}) {
    BOOST_TEST_CONTEXT(bits) {
      const std::string q = dir + "/q" + std::to_string(run) + ".mpqc", m = dir + "/q" + std::to_string(run) + ".mpqm";
      ++run;
      expect_exit("finetune " + data + " --checkpoint " + f + " " + bits +
                      " --epochs 1 --max-batches 2 --calibration-images 16 --out " + q,
                  0, "fake-quant accuracy");
      expect_exit("export --checkpoint " + q + " --out " + m, 0);
      const auto fake_quant = logits_of(expect_exit("run --checkpoint " + q + " --npy " + x + " --json", 0));
      const auto integer = logits_of(expect_exit("run --model " + m + " --npy " + x + " --json", 0));
      BOOST_REQUIRE_EQUAL(integer.size(), 96u);
      BOOST_REQUIRE_EQUAL(fake_quant.size(), 96u);
      // The same codes dequantized the same way, but for the rare logit one code apart
      // where the fake-quant model's float sums land on a rounding tie that the integer
      // model's exact sums resolve the other way (tests/export checks every op code for
      // code, ties named). The output step: the least gap between the integer scores.
      std::vector<float> grid;
      for (const auto& row : integer) grid.insert(grid.end(), row.begin(), row.end());
      std::sort(grid.begin(), grid.end());
      float step = 0.f;
      for (size_t k = 1; k < grid.size(); ++k) {
        const float gap = grid[k] - grid[k - 1];
        if (gap > 1e-7f && (step == 0.f || gap < step)) step = gap;
      }
      BOOST_REQUIRE(step > 0.f);
      int apart = 0;
      float worst = 0.f;
      for (size_t i = 0; i < integer.size(); ++i) {
        BOOST_REQUIRE_EQUAL(integer[i].size(), 12u);
        BOOST_REQUIRE_EQUAL(fake_quant[i].size(), 12u);
        for (size_t k = 0; k < 12; ++k) {
          const float d = std::fabs(integer[i][k] - fake_quant[i][k]);
          if (d > 1e-5f * std::max(1.f, std::fabs(fake_quant[i][k]))) ++apart;
          worst = std::max(worst, d / step);
        }
      }
      BOOST_TEST(worst <= 1.01f, "worst difference " << worst << " output steps");
      BOOST_TEST(apart * 100 <= 96 * 12, apart << " of 1152 logits one code apart");
      expect_integer_agreement(data, q, m, 0.97);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
