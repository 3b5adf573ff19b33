#include <boost/test/unit_test.hpp>

#include <cstring>

#include "libmpq/nn/model_builders.hpp"
#include "libmpq/train/finetune.hpp"
#include "synthetic_data.hpp"

namespace {

// A float checkpoint of MobileNetV2 (residual adds) with BN statistics that are not the
// identity, for 32x32 images of 3 classes.
mpq::Checkpoint float_checkpoint() {
  mpq::ModelSpec spec;
  spec.arch = "mobilenet_v2";
  spec.classes = 3;
  mpq::Model m = mpq::build_model(spec, 3);
  mpq::Rng rng(8);
  mpq::test::SyntheticData data(16, 9, 32, 3);
  mpq::Tensor x({16, 32, 32, 1});
  for (int64_t i = 0; i < 16; ++i) data.load(i, false, rng, x.data() + i * 32 * 32);
  for (int i = 0; i < 3; ++i) m.forward(x, true);
  mpq::Checkpoint ckpt;
  ckpt.spec = spec;
  mpq::capture_model(m, ckpt);
  return ckpt;
}

bool same_tensors(mpq::Model& a, mpq::Model& b) {
  mpq::Checkpoint x, y;
  mpq::capture_model(a, x);
  mpq::capture_model(b, y);
  if (x.tensors.size() != y.tensors.size()) return false;
  for (size_t i = 0; i < x.tensors.size(); ++i) {
    const mpq::Tensor &s = x.tensors[i].second, &t = y.tensors[i].second;
    if (x.tensors[i].first != y.tensors[i].first || s.size() != t.size() ||
        std::memcmp(s.data(), t.data(), static_cast<size_t>(s.size()) * sizeof(float)) != 0)
      return false;
  }
  return true;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fake_quant_base)

// A shared base measures the float model's channel moments at its first statistics
// correction and reuses them for every later policy: each model equals, bit for bit, one
// prepared from scratch (which measures them itself), with mean and std correction.
BOOST_AUTO_TEST_CASE(kept_float_moments_give_the_models_of_a_fresh_preparation) {
  const mpq::Checkpoint ckpt = float_checkpoint();
  const mpq::test::SyntheticData train(48, 4, 32, 3);
  for (auto correction : {mpq::StatisticsCorrection::mean, mpq::StatisticsCorrection::mean_std}) {
    mpq::FakeQuantBase base = mpq::prepare_fake_quant_base(ckpt, "mem", train, 32, false, mpq::QuantizerKind::lsq,
                                                           correction, /*fine_bias=*/true);
    BOOST_TEST(base.float_moments.empty());
    for (int w : {2, 4}) {
      const mpq::Policy policy = mpq::uniform_policy(base.graph, w, 2);
      mpq::Model shared = mpq::prepare_fake_quant_model(base, policy);
      BOOST_TEST(!base.float_moments.empty());
      mpq::Model fresh = mpq::prepare_fake_quant_model(ckpt, "mem", policy, train, 32, false, mpq::QuantizerKind::lsq,
                                                       correction, /*fine_bias=*/true);
      BOOST_TEST(same_tensors(shared, fresh), policy.key());
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
