#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "libmpq/core/error.hpp"
#include "libmpq/nn/linear.hpp"
#include "libmpq/tensor/parallel.hpp"
#include "nn/gradient_check.hpp"

namespace {

using mpq::Linear;
using mpq::Shape;
using mpq::Tensor;

Linear make_linear(int64_t in, int64_t out, bool bias, mpq::Rng& rng) {
  Linear fc(in, out, bias);
  // Order-one weights (not the 0.01 init) so that a wrong gradient stands out.
  fc.weight.value = mpq::test::random_tensor(fc.weight.value.shape(), rng, 0.5f);
  if (bias) fc.bias.value = mpq::test::random_tensor(fc.bias.value.shape(), rng);
  return fc;
}

Tensor reference_linear(const Linear& fc, const Tensor& x) {
  const int64_t n = x.dim(0), in = fc.in_features(), out = fc.out_features();
  Tensor y({n, out});
  for (int64_t r = 0; r < n; ++r)
    for (int64_t o = 0; o < out; ++o) {
      double acc = fc.has_bias() ? fc.bias.value[o] : 0.0;
      for (int64_t i = 0; i < in; ++i) acc += static_cast<double>(x[r * in + i]) * fc.weight.value[o * in + i];
      y[r * out + o] = static_cast<float>(acc);
    }
  return y;
}

bool bit_identical(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), sizeof(float) * a.size()) == 0;
}

struct BackwardResult {
  Tensor output, grad_input, grad_weight, grad_bias;
};

BackwardResult forward_backward(Linear& fc, const Tensor& x, uint64_t seed) {
  BackwardResult r;
  fc.forward({&x}, r.output, true);
  mpq::Rng rng(seed);
  Tensor gy = mpq::test::random_tensor(r.output.shape(), rng);
  for (mpq::Parameter* p : fc.parameters()) p->grad.zero();
  fc.backward({&x}, r.output, gy, {&r.grad_input});
  r.grad_weight = fc.weight.grad;
  r.grad_bias = fc.bias.grad;
  return r;
}

struct LinearCase {
  int64_t n, in, out;
  bool bias;
  std::string label() const {
    return std::to_string(n) + "x" + std::to_string(in) + " ->" + std::to_string(out) + (bias ? " bias" : "");
  }
};

// Batch 1 and 3, one feature, and a batch of several reduction chunks.
const std::vector<LinearCase> kCases = {{1, 7, 5, true}, {3, 16, 10, true}, {3, 1, 4, false},
                                        {3, 9, 1, true}, {100, 12, 6, true}, {70, 5, 3, false}};

}  // namespace

BOOST_AUTO_TEST_SUITE(linear)

BOOST_AUTO_TEST_CASE(forward_matches_direct_loop_reference) {
  mpq::Rng rng(3);
  for (const LinearCase& c : kCases) {
    BOOST_TEST_CONTEXT(c.label()) {
      Linear fc = make_linear(c.in, c.out, c.bias, rng);
      Tensor x = mpq::test::random_tensor({c.n, c.in}, rng), y;
      fc.forward({&x}, y, false);
      Tensor expected = reference_linear(fc, x);
      BOOST_TEST(y.shape() == expected.shape());
      double worst = 0;
      for (int64_t i = 0; i < y.size(); ++i) worst = std::max(worst, std::abs(double(y[i]) - expected[i]));
      BOOST_TEST(worst < 1e-5);
    }
  }
}

BOOST_AUTO_TEST_CASE(gradients_of_input_weight_and_bias_match_finite_differences) {
  mpq::Rng rng(5);
  for (const LinearCase& c : kCases) {
    BOOST_TEST_CONTEXT(c.label()) {
      Linear fc = make_linear(c.in, c.out, c.bias, rng);
      Tensor x = mpq::test::random_tensor({c.n, c.in}, rng);
      mpq::test::GradientError err = mpq::test::check_gradients(fc, {x}, true, 3, 1e-2, 150);
      BOOST_TEST_MESSAGE(c.label() << ": worst " << err.worst << " at " << err.where);
      BOOST_TEST(err.worst < 1e-2, err.where);
    }
  }
}

BOOST_AUTO_TEST_CASE(backward_overwrites_input_gradient_and_accumulates_parameter_gradients) {
  mpq::Rng rng(7);
  Linear fc = make_linear(8, 6, true, rng);
  Tensor x = mpq::test::random_tensor({5, 8}, rng);
  BackwardResult once = forward_backward(fc, x, 1);
  mpq::Rng same(1);
  Tensor gy = mpq::test::random_tensor(once.output.shape(), same);
  Tensor gx(x.shape(), 123.f);
  fc.backward({&x}, once.output, gy, {&gx});
  BOOST_TEST(bit_identical(gx, once.grad_input));
  for (int64_t i = 0; i < fc.weight.grad.size(); ++i)
    BOOST_TEST(fc.weight.grad[i] == 2 * once.grad_weight[i], boost::test_tools::tolerance(1e-5f));
  for (int64_t i = 0; i < fc.bias.grad.size(); ++i)
    BOOST_TEST(fc.bias.grad[i] == 2 * once.grad_bias[i], boost::test_tools::tolerance(1e-5f));

  for (mpq::Parameter* p : fc.parameters()) p->grad.zero();
  fc.backward({&x}, once.output, gy, {nullptr});
  BOOST_TEST(bit_identical(fc.weight.grad, once.grad_weight));
  BOOST_TEST(bit_identical(fc.bias.grad, once.grad_bias));
}

BOOST_AUTO_TEST_CASE(repeated_runs_and_thread_counts_give_bit_identical_results) {
  mpq::Rng rng(9);
  Linear fc = make_linear(64, 10, true, rng);
  Tensor x = mpq::test::random_tensor({200, 64}, rng);
  BackwardResult a = forward_backward(fc, x, 4);
  BackwardResult b = forward_backward(fc, x, 4);
  mpq::set_thread_count(1);
  BackwardResult serial = forward_backward(fc, x, 4);
  mpq::set_thread_count(0);
  for (const BackwardResult* r : {&b, &serial}) {
    BOOST_TEST(bit_identical(a.output, r->output));
    BOOST_TEST(bit_identical(a.grad_input, r->grad_input));
    BOOST_TEST(bit_identical(a.grad_weight, r->grad_weight));
    BOOST_TEST(bit_identical(a.grad_bias, r->grad_bias));
  }
}

BOOST_AUTO_TEST_CASE(bad_input_shapes_throw) {
  Linear fc(16, 10);
  Tensor y, nhwc({2, 1, 1, 16}), wrong_features({2, 15}), ok({2, 16});
  BOOST_CHECK_THROW(fc.forward({&nhwc}, y, true), mpq::Error);
  BOOST_CHECK_THROW(fc.forward({&wrong_features}, y, true), mpq::Error);
  BOOST_CHECK_THROW(fc.forward({}, y, true), mpq::Error);
  fc.forward({&ok}, y, true);
  Tensor bad_grad({2, 9}), gx;
  BOOST_CHECK_THROW(fc.backward({&ok}, y, bad_grad, {&gx}), mpq::Error);
  BOOST_CHECK_THROW(Linear(0, 10), mpq::Error);
  try {
    fc.forward({&wrong_features}, y, true);
  } catch (const mpq::Error& e) {
    const std::string message = e.what();
    BOOST_TEST(message.find("16->10") != std::string::npos, message);
    BOOST_TEST(message.find("2x15") != std::string::npos, message);
  }
}

BOOST_AUTO_TEST_CASE(macs_description_and_parameters_follow_the_configuration) {
  Linear fc(256, 10);
  BOOST_TEST(fc.describe() == "256->10");
  BOOST_TEST(fc.macs({{64, 256}}) == 2560);
  BOOST_TEST(fc.output_shape({{64, 256}}) == (Shape{64, 10}));
  BOOST_TEST(fc.parameters().size() == 2u);
  BOOST_TEST(!fc.bias.weight_decay);
  Linear no_bias(256, 10, false);
  BOOST_TEST(no_bias.describe() == "256->10 nobias");
  BOOST_TEST(no_bias.parameters().size() == 1u);
}

BOOST_AUTO_TEST_CASE(reset_parameters_draws_small_normal_weights_and_zero_bias) {
  Linear fc(256, 64);
  fc.bias.value.fill(1.f);
  mpq::Rng rng(11);
  fc.reset_parameters(rng);
  double sum = 0, sum_sq = 0;
  const int64_t n = fc.weight.value.size();
  for (int64_t i = 0; i < n; ++i) {
    sum += fc.weight.value[i];
    sum_sq += double(fc.weight.value[i]) * fc.weight.value[i];
  }
  const double mean = sum / n, std_dev = std::sqrt(sum_sq / n - mean * mean);
  BOOST_TEST(std::abs(mean) < 0.001);
  BOOST_TEST(std_dev == 0.01, boost::test_tools::tolerance(0.03));
  for (int64_t i = 0; i < fc.bias.value.size(); ++i) BOOST_TEST(fc.bias.value[i] == 0.f);
}

BOOST_AUTO_TEST_SUITE_END()
