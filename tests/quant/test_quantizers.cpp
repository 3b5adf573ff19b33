#include <boost/test/unit_test.hpp>

#include <cmath>
#include <memory>
#include <vector>

#include "libmpq/nn/linear.hpp"
#include "libmpq/quant/pact_quantizer.hpp"
#include "libmpq/quant/range_quantizer.hpp"
#include "libmpq/quant/weight_quantizer.hpp"
#include "nn/gradient_check.hpp"

namespace {

float run(mpq::Layer& layer, float x) {
  mpq::Tensor in({1}), out;
  in[0] = x;
  layer.forward({&in}, out, false);
  return out[0];
}

}  // namespace

BOOST_AUTO_TEST_SUITE(quantizers)

BOOST_AUTO_TEST_CASE(pact_output_is_on_its_grid_and_clipped) {
  for (int bits : {2, 4, 8}) {
    mpq::PactQuantizer q(bits, 3.f);
    const float s = 3.f / static_cast<float>((1 << bits) - 1);
    for (float x : {-1.f, 0.f, 0.37f, 1.234f, 2.99f, 3.f, 7.f}) {
      float y = run(q, x);
      BOOST_TEST(y >= 0.f);
      BOOST_TEST(y <= 3.f + 1e-6f);
      BOOST_TEST(std::abs(y / s - std::nearbyint(y / s)) < 1e-4f);
      if (x > 0 && x < 3) BOOST_TEST(std::abs(y - x) <= s / 2 + 1e-6f);
    }
  }
}

BOOST_AUTO_TEST_CASE(pact_clip_gradient_matches_finite_differences_where_defined) {
  mpq::Rng rng(9);
  for (int bits : {2, 4, 8}) {
    mpq::PactQuantizer q(bits, 2.5f, 6.f);
    const float n = static_cast<float>((1 << bits) - 1);
    mpq::Tensor x({200}), r({200}), y;
    for (int64_t i = 0; i < x.size(); ++i) {
      // Keep inputs away from the grid's rounding boundaries and from the clip, where
      // the forward jumps and the derivative is undefined.
      float v;
      do v = 3.5f * rng.uniform() - 0.3f;
      while (std::abs(v - 2.5f) < 0.05f || std::abs(v * n / 2.5f - std::floor(v * n / 2.5f) - 0.5f) < 0.1f);
      x[i] = v;
      r[i] = rng.normal();
    }
    q.forward({&x}, y, true);
    q.alpha.grad.zero();
    mpq::Tensor gx;
    q.backward({&x}, y, r, {&gx});
    auto loss = [&](float a) {
      q.alpha.value[0] = a;
      mpq::Tensor out;
      q.forward({&x}, out, false);
      double s = 0;
      for (int64_t i = 0; i < out.size(); ++i) s += static_cast<double>(out[i]) * r[i];
      return s;
    };
    const float h = 1e-4f;
    const double numeric = (loss(2.5f + h) - loss(2.5f - h)) / (2 * h);
    q.alpha.value[0] = 2.5f;
    BOOST_TEST(std::abs(numeric - q.alpha.grad[0]) <= 1e-2 * std::max(1.0, std::abs(numeric)), "bits " << bits);
    // Straight-through for the input: 1 strictly inside (0, alpha), 0 outside.
    for (int64_t i = 0; i < x.size(); ++i) {
      const float expected = (x[i] > 0.f && x[i] < 2.5f) ? r[i] : 0.f;
      BOOST_REQUIRE(gx[i] == expected);
    }
  }
}

BOOST_AUTO_TEST_CASE(pact_alpha_is_capped_for_relu6) {
  mpq::PactQuantizer q(4, 9.f, 6.f);
  BOOST_TEST(q.clip() == 6.f);
  BOOST_TEST(run(q, 8.f) == 6.f);
}

BOOST_AUTO_TEST_CASE(asymmetric_grid_represents_zero_exactly) {
  for (int bits : {2, 4, 8})
    for (float lo : {-3.1f, -0.2f, 0.f, 0.5f})
      for (float hi : {0.f, 0.7f, 5.3f}) {
        mpq::QuantGrid g = mpq::asymmetric_grid(bits, lo, hi);
        BOOST_TEST(g.quantize(0.f) == 0.f);
        BOOST_TEST(g.zero_point >= g.qmin);
        BOOST_TEST(g.zero_point <= g.qmax);
        BOOST_TEST(g.qmax == (1 << bits) - 1);
      }
}

BOOST_AUTO_TEST_CASE(range_quantizer_tracks_batches_in_training_and_a_frozen_one_does_not) {
  mpq::RangeQuantizer q(8, -1.f, 1.f, false, 0.5f), frozen(8, -1.f, 1.f, true, 0.5f);
  mpq::Tensor x({2}), y;
  x[0] = -5.f;
  x[1] = 3.f;
  q.forward({&x}, y, true);
  frozen.forward({&x}, y, true);
  BOOST_TEST(q.grid().lowest() < -2.9f);   // (-1 + -5) / 2
  BOOST_TEST(q.grid().highest() > 1.9f);   // (1 + 3) / 2
  BOOST_TEST(frozen.grid().highest() < 1.01f);
  // Clipped values get no gradient; values inside pass it unchanged.
  mpq::Tensor g({2}, 1.f), gx;
  frozen.backward({&x}, y, g, {&gx});
  BOOST_TEST(gx[0] == 0.f);
  BOOST_TEST(gx[1] == 0.f);
  x[0] = 0.3f;
  frozen.forward({&x}, y, false);
  frozen.backward({&x}, y, g, {&gx});
  BOOST_TEST(gx[0] == 1.f);
}

BOOST_AUTO_TEST_CASE(observing_initializes_the_grids_from_float_statistics) {
  mpq::RangeQuantizer r(8, -1.f, 1.f);
  mpq::PactQuantizer p(8, 6.f, 6.f);
  mpq::Tensor x({3}), y;
  x[0] = -0.5f;
  x[1] = 2.f;
  x[2] = 4.f;
  r.start_observing();
  p.start_observing();
  r.forward({&x}, y, false);
  BOOST_TEST(y[1] == 2.f);  // observing passes values through
  p.forward({&x}, y, false);
  BOOST_TEST(y[0] == 0.f);  // PACT observes as the ReLU it replaces
  r.finish_observing();
  p.finish_observing();
  BOOST_TEST(std::abs(r.grid().lowest() + 0.5f) < 0.02f);
  BOOST_TEST(std::abs(r.grid().highest() - 4.f) < 0.02f);
  BOOST_TEST(p.clip() == 4.f);
}

BOOST_AUTO_TEST_CASE(weight_codes_stay_in_the_symmetric_range_and_error_is_bounded) {
  mpq::Rng rng(3);
  mpq::Tensor w = mpq::test::random_tensor({6, 3, 3, 5}, rng), q;
  std::vector<float> scales;
  for (int bits : {2, 4, 8}) {
    mpq::fake_quantize_weights(w, bits, false, q, scales);
    BOOST_TEST(scales.size() == 6u);
    const int32_t m = mpq::weight_code_max(bits);
    for (int64_t c = 0; c < 6; ++c)
      for (int64_t k = 0; k < 45; ++k) {
        const float v = q[c * 45 + k] / scales[static_cast<size_t>(c)];
        BOOST_REQUIRE(std::abs(v - std::nearbyint(v)) < 1e-3f);
        BOOST_REQUIRE(std::abs(std::nearbyint(v)) <= m);
        if (bits == 8) BOOST_REQUIRE(std::abs(q[c * 45 + k] - w[c * 45 + k]) <= scales[static_cast<size_t>(c)] / 2 + 1e-6f);
      }
  }
}

BOOST_AUTO_TEST_CASE(chosen_weight_scale_is_never_worse_than_max_scaling) {
  mpq::Rng rng(8);
  for (int bits : {2, 4}) {
    mpq::Tensor w = mpq::test::random_tensor({200}, rng);
    float max_abs = 0;
    for (int64_t i = 0; i < 200; ++i) max_abs = std::max(max_abs, std::abs(w[i]));
    auto error = [&](float s) {
      double e = 0;
      for (int64_t i = 0; i < 200; ++i) {
        double d = mpq::weight_code(w[i], s, bits) * s - w[i];
        e += d * d;
      }
      return e;
    };
    const float chosen = mpq::choose_weight_scale(w.data(), 200, bits);
    BOOST_TEST(error(chosen) <= error(max_abs / mpq::weight_code_max(bits)));
  }
}

// refresh() skips the re-quantization when nothing it depends on changed: every change
// of the master weights, the master bias or the input grid must still show, on either
// bias grid.
BOOST_AUTO_TEST_CASE(quantized_copy_follows_every_change_of_its_inputs) {
  for (const bool fine : {false, true}) {
    BOOST_TEST_CONTEXT("fine_bias " << fine) {
      mpq::Rng rng(3);
      mpq::WeightQuantized q(std::make_unique<mpq::Linear>(4, 3), 2, false, false, fine);
      q.master_weight().value = mpq::test::random_tensor({3, 4}, rng);
      q.master_bias().value = mpq::test::random_tensor({3}, rng);
      mpq::PactQuantizer input(4, 1.f);
      q.set_input_quantizer(&input);
      auto inner = [&](size_t i) { return q.inner().parameters()[i]->value; };
      auto expected_weights = [&]() {
        mpq::Tensor w;
        std::vector<float> scales;
        mpq::fake_quantize_weights(q.master_weight().value, 2, false, w, scales);
        return std::make_pair(w, scales);
      };
      auto check = [&]() {
        q.refresh();
        const auto [w, scales] = expected_weights();
        for (int64_t i = 0; i < w.size(); ++i) BOOST_TEST(inner(0)[i] == w[i]);
        const float s_in = input.grid().scale;
        for (int64_t o = 0; o < 3; ++o) {
          // 2-bit weights: the bias grid is s_in * s_w, or with fine_bias the runtime's
          // accumulator unit s_in * s_w / 2^(8 - 2).
          const double step = static_cast<double>(s_in) * scales[static_cast<size_t>(o)] / (fine ? 64 : 1);
          BOOST_TEST(inner(1)[o] == static_cast<float>(std::nearbyint(q.master_bias().value[o] / step) * step));
        }
      };
      check();
      check();  // unchanged: the skipped refresh leaves the same copy
      q.master_weight().value[5] += 0.75f;  // one weight moves (an optimizer step)
      check();
      q.master_bias().value[1] -= 0.5f;
      check();
      input.alpha.value[0] = 2.5f;  // the input grid's scale changes (PACT clip learned)
      check();
    }
  }
}

// Calibration runs the float network: while its input quantizer observes, a layer's bias
// is its float master bias, not rounded to a grid built from the input's uncalibrated
// default scale (6 / 3 = 2 at 2 bits here, a bias grid of 2 * s_w that moved every
// channel the calibration measured). Once calibrated, it is on the calibrated grid.
BOOST_AUTO_TEST_CASE(bias_is_float_while_the_input_grid_is_calibrated) {
  for (const bool fine : {false, true}) {
    BOOST_TEST_CONTEXT("fine_bias " << fine) {
      mpq::Rng rng(5);
      mpq::WeightQuantized q(std::make_unique<mpq::Linear>(4, 3), 2, false, false, fine);
      q.master_weight().value = mpq::test::random_tensor({3, 4}, rng);
      q.master_bias().value = mpq::test::random_tensor({3}, rng);
      mpq::PactQuantizer input(2, 6.f);
      q.set_input_quantizer(&input);
      auto inner_bias = [&]() { return q.inner().parameters()[1]->value; };
      input.start_observing();
      q.refresh();
      for (int64_t o = 0; o < 3; ++o) BOOST_TEST(inner_bias()[o] == q.master_bias().value[o]);
      mpq::Tensor x({2, 1}), y;
      x[0] = 0.1f;
      x[1] = 0.3f;
      input.forward({&x}, y, false);
      input.finish_observing();
      q.refresh();
      const float s_in = input.grid().scale;
      BOOST_TEST(s_in < 0.2f);  // calibrated to the observed 0.3, not the default 6
      for (int64_t o = 0; o < 3; ++o) {
        const double step = mpq::bias_step(s_in, q.scales()[static_cast<size_t>(o)], 2, fine);
        BOOST_TEST(inner_bias()[o] == static_cast<float>(std::nearbyint(q.master_bias().value[o] / step) * step));
      }
    }
  }
}

// Calibration keeps the largest activations and weights at 4 and 8 bits: the MSE clip,
// which the many small values always favour, cut the rare large ones the classification
// depends on (5 points of the default model at w8a8 before fine-tuning). Ternary grids
// still clip: there the resolution is worth more.
BOOST_AUTO_TEST_CASE(calibration_clips_only_two_bit_grids) {
  mpq::Tensor x({1, 1000}), y;
  std::vector<float> w(1000);
  for (int64_t i = 0; i < 1000; ++i) {
    x[i] = 0.003f * static_cast<float>(i);  // activations in [0, 3) ...
    w[static_cast<size_t>(i)] = 0.006f * static_cast<float>(i) - 3.f;  // weights in [-3, 3) ...
  }
  x[999] = 6.f;  // ... and one large one: the MSE clip would cut it at 2 and 4 bits
  w[999] = 6.f;
  for (const int bits : {2, 4, 8}) {
    BOOST_TEST_CONTEXT("bits " << bits) {
      mpq::PactQuantizer p(bits, 6.f, 6.f);
      p.start_observing();
      p.forward({&x}, y, false);
      p.finish_observing();
      const float scale = mpq::choose_weight_scale(w.data(), 1000, bits);
      if (bits == 2) {
        BOOST_TEST(p.clip() < 6.f);
        BOOST_TEST(scale < 6.f / mpq::weight_code_max(bits));
      } else {
        BOOST_TEST(p.clip() == 6.f);
        BOOST_TEST(scale == 6.f / mpq::weight_code_max(bits));
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
