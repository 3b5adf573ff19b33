#include <boost/test/unit_test.hpp>

#include <cmath>

#include "libmpq/core/error.hpp"

#include "libmpq/nn/model_builders.hpp"
#include "libmpq/nn/optimizer.hpp"
#include "libmpq/nn/softmax_cross_entropy.hpp"
#include "libmpq/quant/fake_quant_model.hpp"
#include "libmpq/quant/fold_batch_norm.hpp"
#include "libmpq/quant/weight_quantizer.hpp"
#include "nn/gradient_check.hpp"

namespace {

struct Setup {
  mpq::Model folded;
  mpq::QuantGraph graph;
  std::vector<mpq::Tensor> batches;
  Setup() : folded(make_folded()), graph(mpq::build_quant_graph(folded)) {
    mpq::Rng rng(5);
    for (int i = 0; i < 2; ++i) batches.push_back(mpq::test::random_tensor({8, 32, 32, 1}, rng));
  }
  static mpq::Model make_folded() {
    mpq::ModelSpec s;
    s.arch = "mobilenet_v2";  // has residual adds, projections and ReLU6
    mpq::Model m = mpq::build_model(s, 2);
    // A few training steps give BN statistics that are not the identity.
    mpq::Rng rng(1);
    mpq::Tensor x = mpq::test::random_tensor({8, 32, 32, 1}, rng);
    for (int i = 0; i < 3; ++i) m.forward(x, true);
    return mpq::fold_batch_norm(m);
  }
  mpq::Model fake_quant(int w, int a) {
    mpq::FakeQuantOptions o;
    o.input_lo = -4.f;
    o.input_hi = 4.f;
    mpq::Model fq = mpq::build_fake_quant_model(folded, mpq::uniform_policy(graph, w, a), o);
    mpq::calibrate_quantizers(fq, batches);
    return fq;
  }
  double relative_error(mpq::Model& fq) {
    const mpq::Tensor ref = folded.forward(batches[0], false);
    const mpq::Tensor& got = fq.forward(batches[0], false);
    double num = 0, den = 0;
    for (int64_t i = 0; i < ref.size(); ++i) {
      num += std::pow(got[i] - ref[i], 2);
      den += std::pow(ref[i], 2);
    }
    return std::sqrt(num / den);
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(fake_quant_model, Setup)

BOOST_AUTO_TEST_CASE(nodes_follow_the_documented_naming) {
  mpq::Model fq = fake_quant(8, 8);
  BOOST_TEST(fq.node(0).name == "input.q");
  for (const auto& op : graph.ops) {
    BOOST_TEST(fq.find(op.name) >= 0, op.name);
    BOOST_TEST(fq.find(op.name + ".q") >= 0, op.name);
  }
  for (size_t i = 0; i < fq.size(); ++i) BOOST_TEST((fq.node(i).layer->kind() != mpq::LayerKind::ReLU));
}

BOOST_AUTO_TEST_CASE(eight_bit_model_tracks_the_float_model_and_fewer_bits_drift_further) {
  mpq::Model q8 = fake_quant(8, 8), q4 = fake_quant(4, 4), q2 = fake_quant(2, 2);
  const double e8 = relative_error(q8), e4 = relative_error(q4), e2 = relative_error(q2);
  BOOST_TEST_MESSAGE("relative logit error: 8-bit " << e8 << ", 4-bit " << e4 << ", 2-bit " << e2);
  BOOST_TEST(e8 < 0.05);
  BOOST_TEST(e4 > e8);
  BOOST_TEST(e2 > e4);
}

BOOST_AUTO_TEST_CASE(weights_reach_the_layers_quantized_and_training_updates_the_float_master) {
  mpq::Model fq = fake_quant(4, 8);
  auto* wq = dynamic_cast<mpq::WeightQuantized*>(fq.node(static_cast<size_t>(fq.find(graph.ops[0].name))).layer.get());
  BOOST_REQUIRE(wq);
  // Inner weights hold at most 15 distinct multiples of each channel's scale.
  const mpq::Tensor& inner = wq->inner().parameters()[0]->value;
  const int64_t per = inner.size() / inner.dim(0);
  for (int64_t k = 0; k < per; ++k) {
    const float v = inner[k] / wq->scales()[0];
    BOOST_REQUIRE(std::abs(v - std::nearbyint(v)) < 1e-3f);
    BOOST_REQUIRE(std::abs(v) <= 7.f);
  }
  // The classifier's master weights must move; the first conv's gradient must reach
  // it (through every quantizer) even if a few steps barely change its values.
  auto* fc = dynamic_cast<mpq::WeightQuantized*>(fq.node(static_cast<size_t>(fq.find(graph.ops.back().name))).layer.get());
  BOOST_REQUIRE(fc);
  mpq::Tensor before = fc->master_weight().value;
  double first_grad = 0;
  mpq::Sgd sgd(fq.parameters(), 0.9f, 0.f);
  std::vector<int32_t> labels(8, 3);
  mpq::Tensor grad;
  const double initial_loss = mpq::softmax_cross_entropy(fq.forward(batches[0], false), labels, nullptr).loss;
  for (int step = 0; step < 3; ++step) {
    const mpq::Tensor& logits = fq.forward(batches[0], true);
    mpq::softmax_cross_entropy(logits, labels, &grad);
    sgd.zero_grad();
    fq.backward(grad);
    for (int64_t i = 0; i < wq->master_weight().grad.size(); ++i) first_grad += std::abs(wq->master_weight().grad[i]);
    sgd.step(0.05f);
  }
  double moved = 0;
  for (int64_t i = 0; i < before.size(); ++i) moved += std::abs(before[i] - fc->master_weight().value[i]);
  BOOST_TEST(moved > 0);
  BOOST_TEST(first_grad > 0);
  const mpq::Tensor& logits = fq.forward(batches[0], false);
  BOOST_TEST(mpq::softmax_cross_entropy(logits, labels, nullptr).loss < initial_loss);
}

BOOST_AUTO_TEST_CASE(a_policy_for_another_model_is_rejected) {
  mpq::ModelSpec other;
  other.arch = "mobilenet_v1";
  auto g = mpq::build_quant_graph(mpq::build_model(other, 1));
  BOOST_CHECK_THROW(mpq::build_fake_quant_model(folded, mpq::uniform_policy(g, 8, 8), {}), mpq::Error);
}

BOOST_AUTO_TEST_SUITE_END()
