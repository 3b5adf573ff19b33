#include <boost/test/unit_test.hpp>

#include <cmath>

#include "libmpq/nn/batch_norm.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/quant/fold_batch_norm.hpp"
#include "nn/gradient_check.hpp"

namespace {

// Gives every BN non-trivial statistics and affine parameters.
void randomize_batch_norms(mpq::Model& m, mpq::Rng& rng) {
  for (size_t i = 0; i < m.size(); ++i)
    if (auto* bn = dynamic_cast<mpq::BatchNorm*>(m.node(i).layer.get()))
      for (int64_t c = 0; c < bn->channels(); ++c) {
        bn->gamma.value[c] = 0.5f + rng.uniform();
        bn->beta.value[c] = 0.2f * rng.normal();
        bn->running_mean[c] = 0.1f * rng.normal();
        bn->running_var[c] = 0.5f + rng.uniform();
      }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fold_batch_norm)

BOOST_AUTO_TEST_CASE(folded_model_computes_what_the_original_computes_for_every_builder) {
  for (const char* arch : {"mobilenet_v1", "mobilenet_v2", "mnasnet"}) {
    mpq::ModelSpec spec;
    spec.arch = arch;
    spec.width = 0.25f;
    spec.in_channels = 3;
    mpq::Model m = mpq::build_model(spec, 3);
    mpq::Rng rng(4);
    randomize_batch_norms(m, rng);
    mpq::Tensor x = mpq::test::random_tensor({2, 32, 32, 3}, rng);
    const mpq::Tensor expected = m.forward(x, false);
    mpq::Model folded = mpq::fold_batch_norm(m);
    int bns = 0;
    for (size_t i = 0; i < folded.size(); ++i) bns += folded.node(i).layer->kind() == mpq::LayerKind::BatchNorm;
    BOOST_TEST(bns == 0, arch);
    BOOST_TEST(folded.size() < m.size());
    const mpq::Tensor& got = folded.forward(x, false);
    double max_abs = 0, max_err = 0;
    for (int64_t i = 0; i < got.size(); ++i) {
      max_abs = std::max(max_abs, std::abs(static_cast<double>(expected[i])));
      max_err = std::max(max_err, std::abs(static_cast<double>(got[i]) - expected[i]));
    }
    BOOST_TEST_MESSAGE(arch << ": max |diff| " << max_err << " of max |logit| " << max_abs);
    BOOST_TEST(max_err <= 1e-5 * std::max(1.0, max_abs), arch);
  }
}

BOOST_AUTO_TEST_SUITE_END()
