// LSQ / LSQ+ gradients against finite differences. The forward rounds, so its exact
// derivative is 0 or undefined inside the grid's range; LSQ defines the gradient of the
// function with the rounding residual round(v) - v held constant (straight-through).
// Finite differences of that surrogate check the inside terms; outside the range the
// forward itself is smooth (clipped to an end of the grid) and is differenced directly.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <functional>
#include <memory>

#include "libmpq/nn/linear.hpp"
#include "libmpq/quant/fast_round.hpp"
#include "libmpq/quant/lsq_quantizer.hpp"
#include "libmpq/quant/weight_quantizer.hpp"
#include "nn/gradient_check.hpp"

namespace {

// v = (x - beta) / s (here beta = -z * s, so v = x / s + z) kept away from rounding ties
// and from the grid's ends, where the forward jumps.
bool near_a_jump(float v, float qp) {
  return std::abs(v - std::floor(v) - 0.5f) < 0.05f || std::abs(v) < 0.05f || std::abs(v - qp) < 0.05f;
}

// sum(r * y) for the surrogate y = s * clamp(v, 0, Qp) + beta + s * residual, residual
// frozen at the evaluation point (0 where clipped).
double surrogate_loss(const mpq::Tensor& x, const mpq::Tensor& r, const std::vector<float>& residual, float s, float beta,
                      float qp) {
  double l = 0;
  for (int64_t i = 0; i < x.size(); ++i) {
    const float v = std::min(std::max((x[i] - beta) / s, 0.f), qp);
    l += static_cast<double>(r[i]) * (s * v + beta + s * residual[static_cast<size_t>(i)]);
  }
  return l;
}

double central(const std::function<double(float)>& f, float at, float h) { return (f(at + h) - f(at - h)) / (2 * h); }

}  // namespace

BOOST_AUTO_TEST_SUITE(lsq)

BOOST_AUTO_TEST_CASE(lsq_activation_gradients_match_finite_differences_of_the_straight_through_surrogate) {
  mpq::Rng rng(21);
  for (bool with_offset : {false, true})
    for (int bits : {2, 4, 8}) {
      mpq::LsqQuantizer q(bits, with_offset, 6.f);
      const float qp = static_cast<float>((1 << bits) - 1);
      const float s = 2.f / qp;
      const int32_t z = with_offset ? static_cast<int32_t>(qp) / 3 : 0;
      q.step.value[0] = s;
      q.offset.value[0] = -static_cast<float>(z) * s;
      const float beta = q.offset.value[0];
      BOOST_TEST(q.grid().zero_point == z);
      // Two samples of 150 values: inside the grid, below it and above it.
      mpq::Tensor x({2, 150}), r({2, 150}), y, gx;
      std::vector<float> residual(300);
      for (int64_t i = 0; i < x.size(); ++i) {
        float v;
        do v = (qp + 4.f) * rng.uniform() - 2.f;
        while (near_a_jump(v, qp));
        x[i] = beta + v * s;
        r[i] = rng.normal();
        residual[static_cast<size_t>(i)] = v >= 0.f && v <= qp ? mpq::round_small(v) - v : 0.f;
      }
      q.forward({&x}, y, true);
      q.step.grad.zero();
      q.offset.grad.zero();
      q.backward({&x}, y, r, {&gx});
      const double g = mpq::lsq_gradient_scale(150, static_cast<int32_t>(qp));
      const float h = 1e-3f * s;
      const double d_step = central([&](float t) { return surrogate_loss(x, r, residual, t, beta, qp); }, s, h);
      BOOST_TEST(std::abs(q.step.grad[0] - g * d_step) <= 1e-3 * std::max(1.0, std::abs(g * d_step)),
                 "bits " << bits << " offset " << with_offset << ": " << q.step.grad[0] << " vs " << g * d_step);
      if (with_offset) {
        const double d_beta = central([&](float t) { return surrogate_loss(x, r, residual, s, t, qp); }, beta, h);
        BOOST_TEST(std::abs(q.offset.grad[0] - g * d_beta) <= 1e-3 * std::max(1.0, std::abs(g * d_beta)));
      }
      for (int64_t i = 0; i < x.size(); ++i) {
        mpq::Tensor xi = x;
        auto at = [&](float t) {
          xi[i] = t;
          return surrogate_loss(xi, r, residual, s, beta, qp);
        };
        BOOST_REQUIRE(std::abs(gx[i] - central(at, x[i], h)) < 1e-2 * std::max(1.f, std::abs(r[i])));
      }
    }
}

// Where every value is clipped the forward is smooth in the step (without an offset: the
// clip values are 0 and Qp * s) and moves by whole codes with the offset: its own finite
// differences must match (no surrogate involved). With an offset, the step's gradient
// holds beta (not the integer zero point) fixed, as LSQ+ does; the surrogate test covers it.
BOOST_AUTO_TEST_CASE(lsq_activation_gradients_match_the_forward_where_values_are_clipped) {
  mpq::Rng rng(5);
  for (bool with_offset : {false, true}) {
    mpq::LsqQuantizer q(4, with_offset, 6.f);
    const float s = 0.1f, beta = with_offset ? -0.5f : 0.f;  // zero point 5: range [-0.5, 1.0]
    q.step.value[0] = s;
    q.offset.value[0] = beta;
    mpq::Tensor x({1, 64}), r({1, 64}), y, gx;
    for (int64_t i = 0; i < x.size(); ++i) {
      x[i] = i % 2 ? 2.f + rng.uniform() : -1.5f - rng.uniform();
      r[i] = rng.normal();
    }
    q.forward({&x}, y, true);
    q.step.grad.zero();
    q.offset.grad.zero();
    q.backward({&x}, y, r, {&gx});
    auto loss = [&]() {
      mpq::Tensor out;
      q.forward({&x}, out, false);
      double l = 0;
      for (int64_t i = 0; i < out.size(); ++i) l += static_cast<double>(out[i]) * r[i];
      return l;
    };
    const double g = mpq::lsq_gradient_scale(64, 15);
    if (!with_offset) {
      const double d_step = central([&](float t) { q.step.value[0] = t; return loss(); }, s, 1e-4f);
      q.step.value[0] = s;
      BOOST_TEST(std::abs(q.step.grad[0] - g * d_step) <= 1e-3 * std::max(1.0, std::abs(g * d_step)));
    } else {
      // The offset moves the zero point in whole codes: difference across one code.
      const double d_beta = central([&](float t) { q.offset.value[0] = t; return loss(); }, beta, s);
      BOOST_TEST(std::abs(q.offset.grad[0] - g * d_beta) <= 1e-3 * std::max(1.0, std::abs(g * d_beta)));
    }
    for (int64_t i = 0; i < x.size(); ++i) BOOST_REQUIRE(gx[i] == 0.f);
  }
}

BOOST_AUTO_TEST_CASE(lsq_weight_step_gradient_matches_finite_differences) {
  mpq::Rng rng(17);
  for (int bits : {2, 4, 8})
    for (bool per_tensor : {false, true}) {
      mpq::WeightQuantized q(std::make_unique<mpq::Linear>(6, 3), bits, per_tensor, /*learned_step=*/true);
      q.master_weight().value = mpq::test::random_tensor({3, 6}, rng);
      const float m = static_cast<float>(mpq::weight_code_max(bits));
      const int64_t steps = per_tensor ? 1 : 3;
      BOOST_TEST(q.step().value.size() == steps);
      for (int64_t c = 0; c < steps; ++c) q.step().value[c] = 1.2f / m + 0.05f * static_cast<float>(c);
      // Weights away from rounding ties and the grid's ends.
      for (int64_t k = 0; k < 18; ++k) {
        const float s = q.step().value[per_tensor ? 0 : k / 6];
        float v = q.master_weight().value[k] / s;
        while (near_a_jump(std::abs(v), m)) v += 0.13f;
        q.master_weight().value[k] = v * s;
      }
      mpq::Tensor x = mpq::test::random_tensor({5, 6}, rng), r = mpq::test::random_tensor({5, 3}, rng), y, gx;
      q.forward({&x}, y, true);
      for (auto* p : q.parameters()) p->grad.zero();
      q.backward({&x}, y, r, {&gx});
      // dL/dw_q, to difference the surrogate w_q(s) = s * clamp(w / s, -Qp, Qp) + s * residual.
      mpq::Tensor dwq({3, 6}, 0.f);
      for (int64_t b = 0; b < 5; ++b)
        for (int64_t o = 0; o < 3; ++o)
          for (int64_t k = 0; k < 6; ++k) dwq[o * 6 + k] += r[b * 3 + o] * x[b * 6 + k];
      for (int64_t c = 0; c < steps; ++c) {
        const float s = q.step().value[c];
        auto loss = [&](float t) {
          double l = 0;
          for (int64_t k = per_tensor ? 0 : c * 6; k < (per_tensor ? 18 : c * 6 + 6); ++k) {
            const float v = q.master_weight().value[k] / s;
            const float residual = std::abs(v) <= m ? mpq::round_small(v) - v : 0.f;
            const float w = q.master_weight().value[k];
            l += static_cast<double>(dwq[k]) * (t * std::min(std::max(w / t, -m), m) + t * residual);
          }
          return l;
        };
        const double g = mpq::lsq_gradient_scale(per_tensor ? 18 : 6, static_cast<int32_t>(m));
        const double numeric = g * central(loss, s, 1e-3f * s);
        BOOST_TEST(std::abs(q.step().grad[c] - numeric) <= 1e-3 * std::max(1.0, std::abs(numeric)),
                   "bits " << bits << " per_tensor " << per_tensor << " channel " << c);
      }
      // The master weights get dL/dw_q inside the range, nothing where clipped.
      for (int64_t k = 0; k < 18; ++k) {
        const float v = q.master_weight().value[k] / q.step().value[per_tensor ? 0 : k / 6];
        const float expected = std::abs(v) <= m ? dwq[k] : 0.f;
        BOOST_REQUIRE(std::abs(q.master_weight().grad[k] - expected) < 1e-4f * std::max(1.f, std::abs(expected)));
      }
      // The scales that export reads are the learned steps.
      for (int64_t o = 0; o < 3; ++o) BOOST_TEST(q.scales()[static_cast<size_t>(o)] == q.step().value[per_tensor ? 0 : o]);
    }
}

// Where every weight is clipped the quantized weights are +-Qp * s, linear in s: the
// step's gradient must equal the layer's own finite difference (times g).
BOOST_AUTO_TEST_CASE(lsq_weight_step_gradient_matches_the_layer_where_weights_are_clipped) {
  mpq::Rng rng(2);
  mpq::WeightQuantized q(std::make_unique<mpq::Linear>(4, 2), 2, false, true);
  for (int64_t k = 0; k < 8; ++k) q.master_weight().value[k] = (k % 3 ? 1.f : -1.f) * (0.8f + 0.1f * static_cast<float>(k));
  q.step().value[0] = 0.3f;
  q.step().value[1] = 0.25f;
  mpq::Tensor x = mpq::test::random_tensor({3, 4}, rng), r = mpq::test::random_tensor({3, 2}, rng), y, gx;
  q.forward({&x}, y, true);
  for (auto* p : q.parameters()) p->grad.zero();
  q.backward({&x}, y, r, {&gx});
  for (int64_t c = 0; c < 2; ++c) {
    const float s = q.step().value[c];
    auto loss = [&](float t) {
      q.step().value[c] = t;
      mpq::Tensor out;
      q.forward({&x}, out, false);
      double l = 0;
      for (int64_t i = 0; i < out.size(); ++i) l += static_cast<double>(out[i]) * r[i];
      return l;
    };
    const double numeric = mpq::lsq_gradient_scale(4, 1) * central(loss, s, 1e-3f);
    q.step().value[c] = s;
    BOOST_TEST(std::abs(q.step().grad[c] - numeric) <= 1e-3 * std::max(1.0, std::abs(numeric)));
  }
  for (int64_t k = 0; k < 8; ++k) BOOST_TEST(q.master_weight().grad[k] == 0.f);
}

BOOST_AUTO_TEST_CASE(lsq_steps_pushed_below_their_floor_continue_from_it) {
  mpq::LsqQuantizer a(4, false, 6.f);
  a.step.value[0] = -0.5f;
  mpq::Tensor x({1, 4}, 1.f), y;
  a.forward({&x}, y, true);
  BOOST_TEST(a.step.value[0] > 0.f);
  BOOST_TEST(a.grid().scale == a.step.value[0]);
  mpq::WeightQuantized w(std::make_unique<mpq::Linear>(4, 2), 4, false, true);
  w.step().value[0] = -1.f;
  mpq::Tensor xw({1, 4}, 1.f);
  w.forward({&xw}, y, true);
  BOOST_TEST(w.step().value[0] > 0.f);
  BOOST_TEST(w.scales()[0] == w.step().value[0]);
}

BOOST_AUTO_TEST_CASE(lsq_calibration_starts_from_the_mse_grid) {
  mpq::LsqQuantizer relu(4, false, 6.f), signed_q(4, true, 0.f);
  mpq::Tensor x({1, 4}), y;
  x[0] = -1.f;
  x[1] = 0.5f;
  x[2] = 3.f;
  x[3] = 9.f;
  relu.start_observing();
  signed_q.start_observing();
  relu.forward({&x}, y, false);
  BOOST_TEST(y[0] == 0.f);  // observes the ReLU6 it replaces
  BOOST_TEST(y[3] == 6.f);
  signed_q.forward({&x}, y, false);
  BOOST_TEST(y[0] == -1.f);
  relu.finish_observing();
  signed_q.finish_observing();
  BOOST_TEST(relu.grid().highest() <= 6.f + 1e-5f);
  BOOST_TEST(relu.grid().highest() >= 0.3f * 6.f);
  BOOST_TEST(signed_q.grid().zero_point > 0);
  BOOST_TEST(signed_q.grid().quantize(0.f) == 0.f);
}

// A fine-tune started from another's weights (--start-from) initializes its steps again
// from them, as the constructor does from the float weights.
BOOST_AUTO_TEST_CASE(lsq_restarted_steps_follow_the_current_master_weights) {
  mpq::Rng rng(9);
  mpq::WeightQuantized q(std::make_unique<mpq::Linear>(6, 2), 2, false, /*learned_step=*/true);
  q.master_weight().value = mpq::test::random_tensor({2, 6}, rng);
  for (int64_t i = 0; i < 6; ++i) q.master_weight().value[i] *= 4.f;
  q.restart_learned_step();
  for (int64_t c = 0; c < 2; ++c)
    BOOST_TEST(q.step().value[c] == mpq::lsq_initial_weight_step(q.master_weight().value.data() + 6 * c, 6, 2));
  BOOST_TEST(q.step().value[0] > 2.f * q.step().value[1]);
}

BOOST_AUTO_TEST_SUITE_END()
