// Where learned weight steps and 2-bit activation grids start (WeightStepInit,
// ActivationInit), and the quantizer that pairs LSQ weights with PACT activations.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "libmpq/core/error.hpp"
#include "libmpq/core/rng.hpp"
#include "libmpq/nn/linear.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/quant/fake_quant_model.hpp"
#include "libmpq/quant/fold_batch_norm.hpp"
#include "libmpq/quant/lsq_quantizer.hpp"
#include "libmpq/quant/pact_quantizer.hpp"
#include "libmpq/quant/weight_quantizer.hpp"

namespace {

double rounding_error(const std::vector<float>& w, float s, int bits) {
  const float m = static_cast<float>(mpq::weight_code_max(bits));
  double e = 0;
  for (float x : w) {
    const double d = std::min(std::max(std::nearbyint(x / s), -m), m) * s - x;
    e += d * d;
  }
  return e;
}

// The PACT clip that calibration at `bits` sets from 1999 values evenly in [0, 1) and one
// at 6 (a ReLU output's long tail).
float calibrated_clip(int bits, mpq::ActivationInit init) {
  mpq::PactQuantizer q(bits, 6.f, 100.f);
  q.set_init(init);
  mpq::Tensor x({1, 2000}), y;
  for (int64_t i = 0; i < 1999; ++i) x[i] = static_cast<float>(i) / 1999.f;
  x[1999] = 6.f;
  q.start_observing();
  q.forward({&x}, y, false);
  q.finish_observing();
  return q.clip();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(quantizer_init)

BOOST_AUTO_TEST_CASE(the_mse_weight_step_rounds_with_no_more_error_than_any_step_up_to_the_largest_weight) {
  // A ternary depthwise channel: 9 weights, one large.
  const std::vector<float> w = {1.0f, 0.31f, -0.28f, 0.22f, -0.35f, 0.05f, 0.4f, -0.12f, 0.3f};
  for (const int bits : {2, 4}) {
    const float m = static_cast<float>(mpq::weight_code_max(bits));
    const float s = mpq::mse_initial_weight_step(w.data(), 9, bits);
    BOOST_TEST(s <= 1.f / m + 1e-6f);
    BOOST_TEST(s >= 0.1f / m - 1e-6f);
    const double e = rounding_error(w, s, bits);
    // Within 1% of the best step over a fine sweep (the candidates are 2% apart).
    for (int k = 10; k <= 1000; ++k) BOOST_TEST(e <= 1.01 * rounding_error(w, 0.001f * k / m, bits) + 1e-9, k);
    BOOST_TEST(e < rounding_error(w, mpq::lsq_initial_weight_step(w.data(), 9, bits), bits));
  }
  const std::vector<float> zero(9, 0.f);
  BOOST_TEST(mpq::mse_initial_weight_step(zero.data(), 9, 2) == 1.f);
}

BOOST_AUTO_TEST_CASE(a_weight_quantizer_starts_its_learned_steps_as_asked) {
  for (const auto init : {mpq::WeightStepInit::lsq, mpq::WeightStepInit::mse}) {
    mpq::WeightQuantized q(std::make_unique<mpq::Linear>(9, 2), 2, false, /*learned_step=*/true, false, init);
    const auto expected =
        init == mpq::WeightStepInit::mse ? mpq::mse_initial_weight_step : mpq::lsq_initial_weight_step;
    for (int64_t c = 0; c < 2; ++c)
      BOOST_TEST(q.step().value[c] == expected(q.master_weight().value.data() + 9 * c, 9, 2));
    BOOST_TEST((mpq::parse_weight_step_init(mpq::weight_step_init_name(init)) == init));
  }
  BOOST_CHECK_THROW(mpq::parse_weight_step_init("max"), mpq::Error);
}

BOOST_AUTO_TEST_CASE(two_bit_activation_grids_start_where_their_init_says_and_wider_ones_at_the_observed_range) {
  // mse: the clip of least error among 1.00 .. 0.30 of the maximum: its lowest, 1.8.
  BOOST_TEST(calibrated_clip(2, mpq::ActivationInit::mse) == 0.3f * 6.f, boost::test_tools::tolerance(1e-5f));
  // mse-wide reaches down to the bulk in [0, 1).
  const float wide = calibrated_clip(2, mpq::ActivationInit::mse_wide);
  BOOST_TEST(wide < 1.2f);
  BOOST_TEST(wide > 0.5f);
  // p99.9: the 99.9th percentile, inside [0, 1).
  const float p = calibrated_clip(2, mpq::ActivationInit::percentile);
  BOOST_TEST(p > 0.99f);
  BOOST_TEST(p < 1.f);
  // lsq: Qp steps of 2 mean|x| / sqrt(Qp).
  double sum = 0;
  for (int64_t i = 0; i < 1999; ++i) sum += static_cast<float>(i) / 1999.f;
  const double lsq = 2.0 * (sum + 6.0) / 2000.0 * std::sqrt(3.0);
  BOOST_TEST(calibrated_clip(2, mpq::ActivationInit::lsq) == lsq, boost::test_tools::tolerance(1e-4));
  for (const auto init : {mpq::ActivationInit::mse, mpq::ActivationInit::mse_wide, mpq::ActivationInit::percentile,
                          mpq::ActivationInit::lsq}) {
    BOOST_TEST(calibrated_clip(4, init) == 6.f);
    BOOST_TEST((mpq::parse_activation_init(mpq::activation_init_name(init)) == init));
  }
  BOOST_CHECK_THROW(mpq::parse_activation_init("p99"), mpq::Error);
}

BOOST_AUTO_TEST_CASE(mse_depthwise_starts_2_bit_depthwise_steps_from_mse_and_the_others_as_lsq_does) {
  mpq::ModelSpec s;
  mpq::Model float_model = mpq::build_model(s, 2);
  mpq::Model folded = mpq::fold_batch_norm(float_model);
  const mpq::QuantGraph graph = mpq::build_quant_graph(folded);
  mpq::FakeQuantOptions o;
  o.quantizer = mpq::QuantizerKind::lsq;
  o.weight_step_init = mpq::parse_weight_step_init("mse-depthwise");
  // Every weight at 2 bits but the first depthwise conv's, at 4.
  mpq::Policy policy = mpq::uniform_policy(graph, 2, 4);
  for (auto& l : policy.layers)
    if (l.kind == "depthwise") {
      l.w_bits = 4;
      break;
    }
  mpq::Model fq = mpq::build_fake_quant_model(folded, policy, o);
  int depthwise = 0;
  for (const auto& op : graph.ops) {
    const int node = fq.find(op.name);
    auto* w = node < 0 ? nullptr : dynamic_cast<mpq::WeightQuantized*>(fq.node(static_cast<size_t>(node)).layer.get());
    if (!w) continue;
    const bool dw = op.kind == mpq::QOpKind::depthwise && w->bits() == 2;
    depthwise += dw;
    const int64_t per = w->master_weight().value.size() / w->master_weight().value.dim(0);
    const float* first = w->master_weight().value.data();
    const float expected =
        dw ? mpq::mse_initial_weight_step(first, per, 2) : mpq::lsq_initial_weight_step(first, per, w->bits());
    BOOST_TEST(w->step().value[0] == expected, op.name);
  }
  BOOST_TEST(depthwise == 12);
}

// mse-8 and mse-4-8 start the steps of 8-bit (and 4-bit) weights from mse, the others as
// LSQ does, in a model with every width; the names round-trip and a wrong one is refused.
BOOST_AUTO_TEST_CASE(mse_8_and_mse_4_8_choose_the_start_by_weight_bits) {
  mpq::ModelSpec s;
  mpq::Model float_model = mpq::build_model(s, 2);
  mpq::Model folded = mpq::fold_batch_norm(float_model);
  const mpq::QuantGraph graph = mpq::build_quant_graph(folded);
  mpq::Policy policy = mpq::uniform_policy(graph, 2, 4);
  const int widths[] = {8, 4, 2};
  for (size_t i = 0; i < policy.layers.size(); ++i) policy.layers[i].w_bits = widths[i % 3];
  for (const char* name : {"mse-8", "mse-4-8"}) {
    mpq::FakeQuantOptions o;
    o.quantizer = mpq::QuantizerKind::lsq;
    o.weight_step_init = mpq::parse_weight_step_init(name);
    BOOST_TEST(mpq::weight_step_init_name(o.weight_step_init) == std::string(name));
    mpq::Model fq = mpq::build_fake_quant_model(folded, policy, o);
    int mse = 0, lsq = 0;
    for (const auto& op : graph.ops) {
      const int node = fq.find(op.name);
      auto* w = node < 0 ? nullptr : dynamic_cast<mpq::WeightQuantized*>(fq.node(static_cast<size_t>(node)).layer.get());
      if (!w) continue;
      const bool from_mse = w->bits() == 8 || (w->bits() == 4 && std::string(name) == "mse-4-8");
      const int64_t per = w->master_weight().value.size() / w->master_weight().value.dim(0);
      const float* first = w->master_weight().value.data();
      const float expected = from_mse ? mpq::mse_initial_weight_step(first, per, w->bits())
                                      : mpq::lsq_initial_weight_step(first, per, w->bits());
      // The two starts differ on these layers, so the check can tell them apart.
      BOOST_TEST(mpq::mse_initial_weight_step(first, per, w->bits()) != mpq::lsq_initial_weight_step(first, per, w->bits()));
      BOOST_TEST(w->step().value[0] == expected, name << " " << op.name);
      (from_mse ? mse : lsq) += 1;
    }
    BOOST_TEST(mse > 0);
    BOOST_TEST(lsq > 0);
  }
  BOOST_CHECK_THROW(mpq::parse_weight_step_init("mse-2"), mpq::Error);
}

// The exporter's weight codes (weight_code) are the fake-quant forward's, also for weights
// within a few ulps of a code's half, where w / s and w * (1 / s) can round apart.
BOOST_AUTO_TEST_CASE(export_weight_codes_equal_the_forwards_at_rounding_ties) {
  mpq::Rng rng(13);
  int64_t checked = 0;
  for (const int bits : {2, 4}) {
    for (int trial = 0; trial < 200; ++trial) {
      const float s = 0.01f + 0.5f * rng.uniform();
      mpq::WeightQuantized q(std::make_unique<mpq::Linear>(16, 1), bits, false, /*learned_step=*/true);
      q.step().value[0] = s;
      for (int64_t k = 0; k < 16; ++k) {
        float w = (static_cast<float>(k % 4) - 1.5f) * s;  // -1.5, -0.5, 0.5, 1.5 steps
        for (int64_t u = 0; u < k / 4; ++u) w = std::nextafter(w, k % 2 ? 1.f : -1.f);
        q.master_weight().value[k] = w;
      }
      q.refresh();
      const mpq::Tensor& inner = q.inner().parameters()[0]->value;
      for (int64_t k = 0; k < 16; ++k, ++checked)
        BOOST_TEST(inner[k] == static_cast<float>(mpq::weight_code(q.master_weight().value[k], q.scales()[0], bits)) *
                                   q.scales()[0]);
    }
  }
  BOOST_TEST(checked == 6400);
}

BOOST_AUTO_TEST_CASE(lsq_pact_learns_weight_steps_and_clips_activations_with_pact) {
  mpq::ModelSpec s;
  mpq::Model float_model = mpq::build_model(s, 2);
  mpq::Model folded = mpq::fold_batch_norm(float_model);
  const mpq::QuantGraph graph = mpq::build_quant_graph(folded);
  mpq::FakeQuantOptions o;
  o.quantizer = mpq::parse_quantizer_kind("lsq-pact");
  BOOST_TEST(mpq::quantizer_kind_name(o.quantizer) == "lsq-pact");
  mpq::Model fq = mpq::build_fake_quant_model(folded, mpq::uniform_policy(graph, 2, 2), o);
  int weighted = 0, pact = 0;
  for (size_t i = 0; i < fq.size(); ++i) {
    const mpq::Layer* l = fq.node(i).layer.get();
    if (const auto* w = dynamic_cast<const mpq::WeightQuantized*>(l)) {
      BOOST_TEST(w->learned_step());
      ++weighted;
    }
    BOOST_TEST(!dynamic_cast<const mpq::LsqQuantizer*>(l));
    pact += dynamic_cast<const mpq::PactQuantizer*>(l) != nullptr;
  }
  BOOST_TEST(weighted == 28);  // MobileNetV1: 27 convs and the classifier
  BOOST_TEST(pact == 27);      // after every ReLU; the logits keep their range quantizer
}

BOOST_AUTO_TEST_SUITE_END()
