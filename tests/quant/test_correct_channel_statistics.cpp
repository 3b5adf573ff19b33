#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>

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

// The correction as first written: op by op, whole forwards of the fake-quant model over
// every batch to read the op's output (quadratic in depth). correct_channel_statistics
// must give the same values bit for bit.
void correct_by_whole_forwards(mpq::Model& fq, mpq::Model& folded, const std::vector<mpq::Tensor>& batches,
                               bool match_std) {
  for (size_t i = 0; i < fq.size(); ++i) {
    auto* wq = dynamic_cast<mpq::WeightQuantized*>(fq.node(i).layer.get());
    if (!wq) continue;
    std::vector<double> mf, sf, mq, sq;
    channel_moments(folded, folded.find(fq.node(i).name), batches, mf, sf);
    channel_moments(fq, static_cast<int>(i), batches, mq, sq);
    mpq::Tensor& w = wq->master_weight().value;
    mpq::Tensor& b = wq->master_bias().value;
    const int64_t channels = w.dim(0), per = w.size() / channels;
    for (int64_t c = 0; c < channels; ++c) {
      const auto k = static_cast<size_t>(c);
      double a = 1.0;
      if (match_std && sq[k] > 1e-8 && sf[k] > 1e-8) a = std::min(std::max(sf[k] / sq[k], 0.25), 4.0);
      for (int64_t j = 0; j < per; ++j) w[c * per + j] = static_cast<float>(w[c * per + j] * a);
      b[c] = static_cast<float>(a * b[c] + mf[k] - a * mq[k]);
      if (wq->learned_step() && !wq->per_tensor()) wq->step().value[c] = static_cast<float>(wq->step().value[c] * a);
    }
    wq->refresh();
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

// The correction keeps each batch's activations at the last corrected op and runs only
// the nodes up to the next one; on MobileNetV2 (residual adds read nodes from before
// that point) every weight, bias and step equals the whole-forward algorithm's bit for
// bit, for both quantizers, with and without matching the standard deviation.
BOOST_AUTO_TEST_CASE(partial_forwards_give_the_whole_forward_result_bit_for_bit) {
  mpq::Rng rng(4);
  mpq::ModelSpec spec;
  spec.arch = "mobilenet_v2";
  mpq::Model trained = mpq::build_model(spec, 6);
  std::vector<mpq::Tensor> batches;
  for (int i = 0; i < 2; ++i) batches.push_back(mpq::test::random_tensor({5, 32, 32, 1}, rng));
  for (int i = 0; i < 3; ++i) trained.forward(batches[0], true);
  mpq::Model folded = mpq::fold_batch_norm(trained);
  const mpq::QuantGraph graph = mpq::build_quant_graph(folded);
  mpq::Policy policy = mpq::uniform_policy(graph, 2, 4);
  for (size_t l = 0; l < policy.layers.size(); l += 3)  // mixed, still sub-byte (adds keep 0)
    if (policy.layers[l].w_bits == 2) policy.layers[l].w_bits = 4;
  for (mpq::QuantizerKind kind : {mpq::QuantizerKind::pact, mpq::QuantizerKind::lsq})
    for (bool match_std : {false, true}) {
      mpq::FakeQuantOptions o;
      o.input_lo = -4.f;
      o.input_hi = 4.f;
      o.quantizer = kind;
      o.fine_bias = kind == mpq::QuantizerKind::lsq;
      mpq::Model fast = mpq::build_fake_quant_model(folded, graph, policy, o);
      mpq::Model reference = mpq::build_fake_quant_model(folded, graph, policy, o);
      mpq::calibrate_quantizers(fast, batches);
      mpq::calibrate_quantizers(reference, batches);
      mpq::correct_channel_statistics(fast, folded, batches, match_std);
      correct_by_whole_forwards(reference, folded, batches, match_std);
      const auto got = fast.named_parameters(), want = reference.named_parameters();
      BOOST_REQUIRE(got.size() == want.size());
      int changed = 0;
      mpq::Model untouched = mpq::build_fake_quant_model(folded, graph, policy, o);
      const auto before = untouched.named_parameters();
      for (size_t p = 0; p < got.size(); ++p) {
        const mpq::Tensor &a = got[p].second->value, &b = want[p].second->value;
        BOOST_TEST(got[p].first == want[p].first);
        BOOST_TEST((a.size() == b.size() &&
                    std::memcmp(a.data(), b.data(), static_cast<size_t>(a.size()) * sizeof(float)) == 0),
                   got[p].first << (match_std ? " (std)" : " (mean)"));
        const mpq::Tensor& c = before[p].second->value;
        changed += std::memcmp(a.data(), c.data(), static_cast<size_t>(a.size()) * sizeof(float)) != 0;
      }
      BOOST_TEST(changed > 10);  // the correction did move most biases (the test can fail)
      const mpq::Tensor logits = fast.forward(batches[1], false);
      const mpq::Tensor& ref_logits = reference.forward(batches[1], false);
      BOOST_TEST(std::memcmp(logits.data(), ref_logits.data(), static_cast<size_t>(logits.size()) * sizeof(float)) == 0);
    }
}

BOOST_AUTO_TEST_SUITE_END()
