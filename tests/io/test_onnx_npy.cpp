// `mpq run --checkpoint C --npy x.npy --json` on imported PyTorch models: the logits it
// prints equal PyTorch's for the same rows (make_onnx_fixtures.py's NAME.json), which is
// how a user compares a model with its framework of origin without images.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "cli_helpers.hpp"
#include "libmpq/core/atomic_file.hpp"
#include "libmpq/data/npy_array.hpp"
#include "onnx_fixtures.hpp"

using namespace mpq_cli_test;

BOOST_AUTO_TEST_SUITE(onnx_npy)

BOOST_AUTO_TEST_CASE(run_npy_on_imported_models_prints_torchs_logits) {
  const std::string dir = temp_dir();
  for (const char* name : {"residual_depthwise", "padded_pools", "matmul_head", "zero_pad_view"}) {
    const std::string fixture = mpq_onnx_test::fixture_dir() + "/" + name;
    const auto j = nlohmann::json::parse(mpq::read_file(fixture + ".json"));
    const auto images = j.at("images").get<std::vector<std::vector<float>>>();
    const auto want = j.at("logits").get<std::vector<std::vector<float>>>();
    // The rows as PyTorch took them: N x C x H x W float32.
    mpq::NpyArray x{mpq::NpyType::float32, {static_cast<int64_t>(images.size())}, {}};
    for (const auto& d : j.at("input")) x.shape.push_back(d.get<int64_t>());
    for (const auto& row : images) x.bytes.append(reinterpret_cast<const char*>(row.data()), row.size() * 4);
    const std::string npy = dir + "/" + name + ".npy", ckpt = dir + "/" + name + ".mpqc";
    mpq::write_file_atomically(npy, mpq::encode_npy(x));
    expect_exit("import --onnx " + fixture + ".onnx --out " + ckpt, 0);
    const auto got = logits_of(expect_exit("run --checkpoint " + ckpt + " --npy " + npy + " --json", 0));
    BOOST_REQUIRE_MESSAGE(got.size() == want.size(), name << ": " << got.size() << " rows");
    float worst = 0.f;
    for (size_t i = 0; i < want.size(); ++i) {
      BOOST_REQUIRE_MESSAGE(got[i].size() == want[i].size(), name << ": row " << i << " of " << got[i].size());
      for (size_t k = 0; k < want[i].size(); ++k)
        worst = std::max(worst, std::fabs(got[i][k] - want[i][k]) / std::max(1.f, std::fabs(want[i][k])));
    }
    // 1e-4 relative to the logit (absolute below 1), as the import's own tests.
    BOOST_TEST(worst <= 1e-4f, name << ": worst relative difference " << worst);
  }
}

BOOST_AUTO_TEST_SUITE_END()
