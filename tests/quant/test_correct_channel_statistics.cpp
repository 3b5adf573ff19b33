#include <boost/test/unit_test.hpp>

#include <cmath>

#include "libmpq/nn/model_builders.hpp"
#include "libmpq/quant/correct_channel_statistics.hpp"
#include "libmpq/quant/fake_quant_model.hpp"
#include "libmpq/quant/fold_batch_norm.hpp"
#include "libmpq/quant/weight_quantizer.hpp"
#include "nn/gradient_check.hpp"

namespace {

// Per-channel mean and standard deviation of node `node`'s output over `batches`.
void channel_moments(mpq::Model& m, int node, const std::vector<mpq::Tensor>& batches, std::vector<double>& mean,
                     std::vector<double>& sd) {
  std::vector<double> s, s2;
  int64_t n = 0;
  for (const mpq::Tensor& b : batches) {
    m.forward(b, false);
    const mpq::Tensor& t = m.output_of(static_cast<size_t>(node));
    const int64_t c = t.dim(-1);
    s.resize(static_cast<size_t>(c), 0.0);
    s2.resize(static_cast<size_t>(c), 0.0);
    for (int64_t i = 0; i < t.size(); ++i) {
      s[static_cast<size_t>(i % c)] += t[i];
      s2[static_cast<size_t>(i % c)] += static_cast<double>(t[i]) * t[i];
    }
    n += t.size() / c;
  }
  mean.resize(s.size());
  sd.resize(s.size());
  for (size_t k = 0; k < s.size(); ++k) {
    mean[k] = s[k] / static_cast<double>(n);
    sd[k] = std::sqrt(std::max(0.0, s2[k] / static_cast<double>(n) - mean[k] * mean[k]));
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(channel_statistics)

// After the correction the first weighted op's channels have the float model's mean and
// standard deviation on the same images (the mean up to the rounding of the bias to the
// integer grid), for plain and learned weight steps; without it they do not.
BOOST_AUTO_TEST_CASE(first_layer_channels_get_the_float_moments) {
  mpq::Rng rng(3);
  mpq::ModelSpec spec;
  mpq::Model trained = mpq::build_model(spec, 4);
  std::vector<mpq::Tensor> batches;
  for (int i = 0; i < 2; ++i) batches.push_back(mpq::test::random_tensor({6, 32, 32, 1}, rng));
  for (int i = 0; i < 3; ++i) trained.forward(batches[0], true);  // BN statistics not the identity
  mpq::Model folded = mpq::fold_batch_norm(trained);
  const mpq::QuantGraph graph = mpq::build_quant_graph(folded);
  for (mpq::QuantizerKind kind : {mpq::QuantizerKind::pact, mpq::QuantizerKind::lsq}) {
    mpq::FakeQuantOptions o;
    o.input_lo = -4.f;
    o.input_hi = 4.f;
    o.quantizer = kind;
    mpq::Model fq = mpq::build_fake_quant_model(folded, mpq::uniform_policy(graph, 2, 4), o);
    mpq::calibrate_quantizers(fq, batches);
    const int node = fq.find(graph.ops[0].name);
    std::vector<double> mf, sf, mq, sq;
    channel_moments(folded, folded.find(graph.ops[0].name), batches, mf, sf);
    channel_moments(fq, node, batches, mq, sq);
    double before = 0;
    for (size_t k = 0; k < mf.size(); ++k) before = std::max(before, std::abs(sq[k] - sf[k]) / sf[k]);
    BOOST_TEST(before > 0.02);  // 2-bit weights do change the channels
    mpq::correct_channel_statistics(fq, folded, batches, /*match_std=*/true);
    channel_moments(fq, node, batches, mq, sq);
    const auto& wq = dynamic_cast<const mpq::WeightQuantized&>(*fq.node(static_cast<size_t>(node)).layer);
    for (size_t k = 0; k < mf.size(); ++k) {
      // The bias is rounded to the integer runtime's grid, s_in * s_w (s_in = 8 / 255).
      const double bias_step = 8.0 / 255.0 * wq.scales()[k];
      BOOST_TEST(std::abs(mq[k] - mf[k]) <= bias_step / 2 + 1e-5, "channel " << k << " mean " << mq[k] << " vs " << mf[k]);
      BOOST_TEST(std::abs(sq[k] - sf[k]) <= 1e-3 * sf[k], "channel " << k << " sd " << sq[k] << " vs " << sf[k]);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
