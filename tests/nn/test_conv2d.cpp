#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "libmpq/core/error.hpp"
#include "libmpq/nn/conv2d.hpp"
#include "libmpq/tensor/parallel.hpp"
#include "nn/gradient_check.hpp"

namespace {

using mpq::Conv2d;
using mpq::Shape;
using mpq::Tensor;

struct ConvCase {
  int64_t n, h, w, cin, cout, k, stride, pad, groups;
  bool bias;
  std::string label() const {
    return std::to_string(n) + "x" + std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(cin) + " " +
           std::to_string(k) + "x" + std::to_string(k) + "/" + std::to_string(stride) + " p" + std::to_string(pad) +
           " ->" + std::to_string(cout) + " g" + std::to_string(groups) + (bias ? " bias" : "");
  }
};

// Every path and edge the layer has: pointwise GEMM (several row chunks), depthwise
// (several image chunks, stride 2, odd sizes, 5x5), im2col (stride, padding, groups, a 1x1
// that is not pointwise because of its stride), single channels, batch 1 and 3.
const std::vector<ConvCase> kCases = {
    {3, 5, 6, 8, 12, 1, 1, 0, 1, false},   {1, 16, 16, 8, 12, 1, 1, 0, 1, true},
    {3, 7, 9, 4, 6, 3, 1, 1, 1, true},     {3, 7, 9, 4, 6, 3, 2, 1, 1, false},
    {1, 8, 8, 3, 8, 3, 2, 1, 1, false},    {3, 7, 7, 5, 4, 5, 1, 2, 1, true},
    {3, 7, 9, 8, 8, 3, 1, 1, 8, false},    {3, 7, 9, 8, 8, 3, 2, 1, 8, true},
    {20, 6, 5, 16, 16, 3, 1, 1, 16, true}, {1, 9, 7, 6, 6, 5, 2, 2, 6, false},
    {3, 6, 7, 4, 6, 3, 1, 1, 2, true},     {2, 6, 6, 6, 9, 3, 2, 0, 3, false},
    {3, 6, 7, 1, 1, 3, 1, 1, 1, false},    {1, 6, 6, 1, 4, 3, 2, 1, 1, true},
    {3, 7, 7, 4, 6, 1, 2, 0, 1, true},     {20, 5, 5, 3, 4, 3, 1, 0, 1, false},
    {1, 4, 4, 3, 5, 4, 3, 1, 1, true},     {2, 5, 5, 4, 8, 3, 1, 1, 4, false},
};

Conv2d make_conv(const ConvCase& c, mpq::Rng& rng) {
  Conv2d conv(c.cin, c.cout, c.k, c.stride, c.pad, c.groups, c.bias);
  // Weights of order one (not Kaiming's small ones) so that a wrong gradient stands out.
  conv.weight.value = mpq::test::random_tensor(conv.weight.value.shape(), rng, 0.5f);
  if (c.bias) conv.bias.value = mpq::test::random_tensor(conv.bias.value.shape(), rng);
  return conv;
}

// Direct seven-loop convolution, accumulated in double: the definition the layer must meet.
Tensor reference_conv(const Conv2d& conv, const Tensor& x) {
  const int64_t n = x.dim(0), h = x.dim(1), w = x.dim(2);
  const int64_t k = conv.kernel(), s = conv.stride(), p = conv.padding();
  const int64_t cg = conv.in_channels() / conv.groups(), cog = conv.out_channels() / conv.groups();
  const int64_t ho = (h + 2 * p - k) / s + 1, wo = (w + 2 * p - k) / s + 1, cout = conv.out_channels();
  Tensor y({n, ho, wo, cout});
  for (int64_t b = 0; b < n; ++b)
    for (int64_t oh = 0; oh < ho; ++oh)
      for (int64_t ow = 0; ow < wo; ++ow)
        for (int64_t co = 0; co < cout; ++co) {
          const int64_t grp = co / cog;
          double acc = conv.has_bias() ? conv.bias.value[co] : 0.0;
          for (int64_t kh = 0; kh < k; ++kh)
            for (int64_t kw = 0; kw < k; ++kw)
              for (int64_t ci = 0; ci < cg; ++ci) {
                const int64_t ih = oh * s - p + kh, iw = ow * s - p + kw;
                if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
                acc += static_cast<double>(x[((b * h + ih) * w + iw) * conv.in_channels() + grp * cg + ci]) *
                       conv.weight.value[((co * k + kh) * k + kw) * cg + ci];
              }
          y[((b * ho + oh) * wo + ow) * cout + co] = static_cast<float>(acc);
        }
  return y;
}

Tensor run_forward(Conv2d& conv, const Tensor& x) {
  Tensor y;
  conv.forward({&x}, y, true);
  return y;
}

bool bit_identical(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), sizeof(float) * a.size()) == 0;
}

struct BackwardResult {
  Tensor output, grad_input, grad_weight, grad_bias;
};

// One forward and backward from zeroed parameter gradients, with a fixed output gradient.
BackwardResult forward_backward(Conv2d& conv, const Tensor& x, uint64_t seed) {
  BackwardResult r;
  r.output = run_forward(conv, x);
  mpq::Rng rng(seed);
  Tensor gy = mpq::test::random_tensor(r.output.shape(), rng);
  for (mpq::Parameter* p : conv.parameters()) p->grad.zero();
  conv.backward({&x}, r.output, gy, {&r.grad_input});
  r.grad_weight = conv.weight.grad;
  r.grad_bias = conv.bias.grad;
  return r;
}

// A deliberately wrong layer: the convolution with its weight gradient scaled.
class ScaledWeightGradient : public mpq::Layer {
 public:
  ScaledWeightGradient(Conv2d& conv, float scale) : conv_(conv), scale_(scale) {}
  mpq::LayerKind kind() const override { return conv_.kind(); }
  std::string describe() const override { return conv_.describe(); }
  Shape output_shape(const std::vector<Shape>& inputs) const override { return conv_.output_shape(inputs); }
  void forward(const std::vector<const Tensor*>& inputs, Tensor& output, bool training) override {
    conv_.forward(inputs, output, training);
  }
  void backward(const std::vector<const Tensor*>& inputs, const Tensor& output, const Tensor& grad_output,
                const std::vector<Tensor*>& grad_inputs) override {
    conv_.backward(inputs, output, grad_output, grad_inputs);
    for (int64_t i = 0; i < conv_.weight.grad.size(); ++i) conv_.weight.grad[i] *= scale_;
  }
  std::vector<mpq::Parameter*> parameters() override { return conv_.parameters(); }

 private:
  Conv2d& conv_;
  float scale_;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(conv2d)

BOOST_AUTO_TEST_CASE(forward_matches_direct_loop_reference_on_every_path) {
  mpq::Rng rng(7);
  for (const ConvCase& c : kCases) {
    BOOST_TEST_CONTEXT(c.label()) {
      Conv2d conv = make_conv(c, rng);
      Tensor x = mpq::test::random_tensor({c.n, c.h, c.w, c.cin}, rng);
      Tensor y = run_forward(conv, x);
      Tensor expected = reference_conv(conv, x);
      BOOST_TEST(y.shape() == expected.shape());
      double worst = 0;
      for (int64_t i = 0; i < y.size(); ++i) worst = std::max(worst, std::abs(double(y[i]) - expected[i]));
      BOOST_TEST(worst < 1e-4);
    }
  }
}

BOOST_AUTO_TEST_CASE(gradients_of_input_weight_and_bias_match_finite_differences) {
  mpq::Rng rng(11);
  for (const ConvCase& c : kCases) {
    BOOST_TEST_CONTEXT(c.label()) {
      Conv2d conv = make_conv(c, rng);
      Tensor x = mpq::test::random_tensor({c.n, c.h, c.w, c.cin}, rng);
      mpq::test::GradientError err = mpq::test::check_gradients(conv, {x}, true, 3, 1e-2, 150);
      BOOST_TEST_MESSAGE(c.label() << ": worst " << err.worst << " at " << err.where);
      BOOST_TEST(err.worst < 1e-2, err.where);
    }
  }
}

// Windows of ONNX imports (a 10x4 stride-2 stem with SAME padding, in small): dense and
// depthwise, kernel and stride per axis, padding per side.
BOOST_AUTO_TEST_CASE(non_square_windows_gradients_match_finite_differences) {
  mpq::Rng rng(13);
  const mpq::Window2d w{3, 2, 2, 1, 1, 0, 2, 1};
  for (int64_t groups : {1, 3}) {
    Conv2d conv(3, 3, w, groups, true);
    for (int64_t i = 0; i < conv.weight.value.size(); ++i) conv.weight.value[i] = rng.normal() * 0.5f;
    for (int64_t i = 0; i < conv.bias.value.size(); ++i) conv.bias.value[i] = rng.normal() * 0.1f;
    Tensor x = mpq::test::random_tensor({2, 6, 5, 3}, rng);
    BOOST_TEST((conv.output_shape({x.shape()}) == Shape{2, 4, 5, 3}));  // (6+3-3)/2+1, (5+1-2)/1+1
    mpq::test::GradientError err = mpq::test::check_gradients(conv, {x}, true, 3, 1e-2, 150);
    BOOST_TEST(err.worst < 1e-2, conv.describe() << " " << err.where);
  }
}

BOOST_AUTO_TEST_CASE(gradient_check_tolerance_catches_a_weight_gradient_off_by_five_percent) {
  mpq::Rng rng(5);
  Conv2d conv = make_conv({2, 5, 5, 3, 4, 3, 1, 1, 1, false}, rng);
  ScaledWeightGradient wrong(conv, 1.05f);
  Tensor x = mpq::test::random_tensor({2, 5, 5, 3}, rng);
  mpq::test::GradientError err = mpq::test::check_gradients(wrong, {x}, true, 3, 1e-2, 150);
  BOOST_TEST_MESSAGE("scaled weight gradient: worst " << err.worst << " at " << err.where);
  BOOST_TEST(err.worst > 1e-2);
}

BOOST_AUTO_TEST_CASE(backward_overwrites_input_gradient_and_accumulates_parameter_gradients) {
  mpq::Rng rng(13);
  for (const ConvCase& c : {ConvCase{3, 5, 6, 8, 12, 1, 1, 0, 1, true}, ConvCase{3, 7, 9, 8, 8, 3, 2, 1, 8, true},
                            ConvCase{3, 6, 7, 4, 6, 3, 1, 1, 2, true}}) {
    BOOST_TEST_CONTEXT(c.label()) {
      Conv2d conv = make_conv(c, rng);
      Tensor x = mpq::test::random_tensor({c.n, c.h, c.w, c.cin}, rng);
      BackwardResult once = forward_backward(conv, x, 1);
      mpq::Rng same(1);
      Tensor gy = mpq::test::random_tensor(once.output.shape(), same);
      Tensor gx(x.shape(), 123.f);  // stale contents must not leak into the result
      conv.backward({&x}, once.output, gy, {&gx});
      BOOST_TEST(bit_identical(gx, once.grad_input));
      for (int64_t i = 0; i < conv.weight.grad.size(); ++i)
        BOOST_TEST(conv.weight.grad[i] == 2 * once.grad_weight[i], boost::test_tools::tolerance(1e-5f));
      for (int64_t i = 0; i < conv.bias.grad.size(); ++i)
        BOOST_TEST(conv.bias.grad[i] == 2 * once.grad_bias[i], boost::test_tools::tolerance(1e-5f));
    }
  }
}

BOOST_AUTO_TEST_CASE(null_input_gradient_skips_it_and_keeps_parameter_gradients) {
  mpq::Rng rng(17);
  for (const ConvCase& c : {ConvCase{3, 5, 6, 8, 12, 1, 1, 0, 1, true}, ConvCase{3, 7, 9, 8, 8, 3, 2, 1, 8, true},
                            ConvCase{3, 8, 8, 3, 8, 3, 2, 1, 1, true}}) {
    BOOST_TEST_CONTEXT(c.label()) {
      Conv2d conv = make_conv(c, rng);
      Tensor x = mpq::test::random_tensor({c.n, c.h, c.w, c.cin}, rng);
      BackwardResult full = forward_backward(conv, x, 2);
      mpq::Rng same(2);
      Tensor gy = mpq::test::random_tensor(full.output.shape(), same);
      for (mpq::Parameter* p : conv.parameters()) p->grad.zero();
      conv.backward({&x}, full.output, gy, {nullptr});
      BOOST_TEST(bit_identical(conv.weight.grad, full.grad_weight));
      BOOST_TEST(bit_identical(conv.bias.grad, full.grad_bias));
    }
  }
}

BOOST_AUTO_TEST_CASE(repeated_runs_and_thread_counts_give_bit_identical_results) {
  mpq::Rng rng(19);
  // Big enough for several reduction chunks on each path.
  for (const ConvCase& c : {ConvCase{20, 8, 8, 8, 16, 1, 1, 0, 1, true}, ConvCase{20, 8, 8, 16, 16, 3, 1, 1, 16, true},
                            ConvCase{20, 8, 8, 4, 8, 3, 2, 1, 1, true}}) {
    BOOST_TEST_CONTEXT(c.label()) {
      Conv2d conv = make_conv(c, rng);
      Tensor x = mpq::test::random_tensor({c.n, c.h, c.w, c.cin}, rng);
      BackwardResult a = forward_backward(conv, x, 4);
      BackwardResult b = forward_backward(conv, x, 4);
      mpq::set_thread_count(1);
      BackwardResult serial = forward_backward(conv, x, 4);
      mpq::set_thread_count(0);
      for (const BackwardResult* r : {&b, &serial}) {
        BOOST_TEST(bit_identical(a.output, r->output));
        BOOST_TEST(bit_identical(a.grad_input, r->grad_input));
        BOOST_TEST(bit_identical(a.grad_weight, r->grad_weight));
        BOOST_TEST(bit_identical(a.grad_bias, r->grad_bias));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(bad_input_shapes_and_configurations_throw) {
  Conv2d conv(4, 8, 3, 1, 0);
  Tensor y, wrong_rank({2, 6, 6}), wrong_channels({2, 6, 6, 3}), too_small({2, 2, 6, 4}), ok({2, 6, 6, 4});
  BOOST_CHECK_THROW(conv.forward({&wrong_rank}, y, true), mpq::Error);
  BOOST_CHECK_THROW(conv.forward({&wrong_channels}, y, true), mpq::Error);
  BOOST_CHECK_THROW(conv.forward({&too_small}, y, true), mpq::Error);
  BOOST_CHECK_THROW(conv.forward({}, y, true), mpq::Error);
  BOOST_CHECK_THROW(conv.forward({&ok, &ok}, y, true), mpq::Error);
  conv.forward({&ok}, y, true);
  Tensor bad_grad({2, 4, 4, 7}), gx;
  BOOST_CHECK_THROW(conv.backward({&ok}, y, bad_grad, {&gx}), mpq::Error);
  BOOST_CHECK_THROW(Conv2d(6, 8, 3, 1, 1, 4), mpq::Error);  // 6 channels in 4 groups
  BOOST_CHECK_THROW(Conv2d(4, 8, 3, 0, 1), mpq::Error);     // stride 0
  BOOST_CHECK_THROW(Conv2d(4, 8, 3, 1, -1), mpq::Error);    // negative padding
  try {
    conv.forward({&wrong_channels}, y, true);
  } catch (const mpq::Error& e) {
    const std::string message = e.what();
    BOOST_TEST(message.find("3x3/1 p0 4->8") != std::string::npos, message);
    BOOST_TEST(message.find("2x6x6x3") != std::string::npos, message);
    BOOST_TEST(message.find('\n') == std::string::npos, message);
  }
}

BOOST_AUTO_TEST_CASE(output_shape_macs_and_description_follow_the_configuration) {
  Conv2d dw(16, 16, 3, 2, 1, 16);
  BOOST_TEST(dw.is_depthwise());
  BOOST_TEST(dw.describe() == "3x3/2 p1 16->16 dw");
  BOOST_TEST(dw.output_shape({{5, 7, 9, 16}}) == (Shape{5, 4, 5, 16}));
  BOOST_TEST(dw.macs({{5, 7, 9, 16}}) == 4 * 5 * 16 * 9);
  Conv2d pw(16, 32, 1, 1, 0);
  BOOST_TEST(pw.describe() == "1x1/1 p0 16->32");
  BOOST_TEST(pw.macs({{1, 8, 8, 16}}) == 8 * 8 * 32 * 16);
  Conv2d grouped(8, 12, 3, 1, 1, 2, true);
  BOOST_TEST(grouped.describe() == "3x3/1 p1 8->12 g2 bias");
  BOOST_TEST(grouped.macs({{1, 4, 4, 8}}) == 4 * 4 * 12 * 4 * 9);
  BOOST_TEST(grouped.weight.value.shape() == (Shape{12, 3, 3, 4}));
  BOOST_TEST(grouped.parameters().size() == 2u);
  BOOST_TEST(pw.parameters().size() == 1u);
}

BOOST_AUTO_TEST_CASE(reset_parameters_draws_kaiming_fan_out_weights_and_zero_bias) {
  Conv2d conv(32, 64, 3, 1, 1, 1, true);
  conv.bias.value.fill(1.f);
  mpq::Rng rng(23);
  conv.reset_parameters(rng);
  double sum = 0, sum_sq = 0;
  const int64_t n = conv.weight.value.size();
  for (int64_t i = 0; i < n; ++i) {
    sum += conv.weight.value[i];
    sum_sq += double(conv.weight.value[i]) * conv.weight.value[i];
  }
  const double mean = sum / n, std_dev = std::sqrt(sum_sq / n - mean * mean);
  const double expected = std::sqrt(2.0 / (64 * 9));
  BOOST_TEST(std::abs(mean) < 0.05 * expected);
  BOOST_TEST(std_dev == expected, boost::test_tools::tolerance(0.03));
  for (int64_t i = 0; i < conv.bias.value.size(); ++i) BOOST_TEST(conv.bias.value[i] == 0.f);
}

BOOST_AUTO_TEST_SUITE_END()
