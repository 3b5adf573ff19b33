#include <boost/test/unit_test.hpp>

#include <cmath>
#include <vector>

#include "libmpq/core/error.hpp"
#include "libmpq/nn/relu.hpp"
#include "nn/gradient_check.hpp"

using namespace mpq;

namespace {

// Values in [-8, 8] at least 0.1 away from 0 and 6, so a 0.01 finite-difference step
// never crosses a kink.
Tensor away_from_kinks(const Shape& shape, Rng& rng) {
  Tensor t(shape);
  for (int64_t i = 0; i < t.size(); ++i) {
    float v = 0;
    do v = 16.f * rng.uniform() - 8.f;
    while (std::abs(v) < 0.1f || std::abs(v - 6.f) < 0.1f);
    t[i] = v;
  }
  return t;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(relu)

BOOST_AUTO_TEST_CASE(forward_clamps_at_zero_and_at_the_cap) {
  const std::vector<float> in = {-3.f, -0.f, 0.5f, 5.9f, 6.f, 7.5f, 100.f};
  Tensor x({1, 1, 1, 7});
  for (int64_t i = 0; i < 7; ++i) x[i] = in[static_cast<size_t>(i)];
  Tensor y, y6;
  ReLU().forward({&x}, y, true);
  ReLU(6.f).forward({&x}, y6, true);
  const std::vector<float> expect = {0.f, 0.f, 0.5f, 5.9f, 6.f, 7.5f, 100.f};
  const std::vector<float> expect6 = {0.f, 0.f, 0.5f, 5.9f, 6.f, 6.f, 6.f};
  for (int64_t i = 0; i < 7; ++i) {
    BOOST_TEST(y[i] == expect[static_cast<size_t>(i)]);
    BOOST_TEST(y6[i] == expect6[static_cast<size_t>(i)]);
  }
}

BOOST_AUTO_TEST_CASE(gradient_passes_only_strictly_inside_zero_and_cap) {
  Tensor x({6});
  const float in[] = {-1.f, 0.f, 3.f, 6.f, 6.5f, 0.25f};
  for (int64_t i = 0; i < 6; ++i) x[i] = in[i];
  Tensor dy({6}, 2.f), y, dx;
  ReLU relu6(6.f);
  relu6.forward({&x}, y, true);
  relu6.backward({&x}, y, dy, {&dx});
  const float expect[] = {0.f, 0.f, 2.f, 0.f, 0.f, 2.f};
  for (int64_t i = 0; i < 6; ++i) BOOST_TEST(dx[i] == expect[i]);
  ReLU relu;
  relu.forward({&x}, y, true);
  relu.backward({&x}, y, dy, {&dx});
  const float expect_uncapped[] = {0.f, 0.f, 2.f, 2.f, 2.f, 2.f};
  for (int64_t i = 0; i < 6; ++i) BOOST_TEST(dx[i] == expect_uncapped[i]);
}

BOOST_AUTO_TEST_CASE(relu_and_relu6_gradients_match_finite_differences) {
  Rng rng(5);
  ReLU relu;
  auto err = test::check_gradients(relu, {away_from_kinks({2, 3, 3, 4}, rng)}, true);
  BOOST_TEST(err.worst < 1e-3, err.where);
  ReLU relu6(6.f);
  err = test::check_gradients(relu6, {away_from_kinks({2, 3, 3, 4}, rng)}, true);
  BOOST_TEST(err.worst < 1e-3, err.where);
}

BOOST_AUTO_TEST_CASE(bad_configuration_and_inputs_throw) {
  BOOST_CHECK_THROW(ReLU(0.f), Error);
  BOOST_CHECK_THROW(ReLU(-6.f), Error);
  ReLU relu;
  BOOST_CHECK_THROW(relu.output_shape({{2, 3}, {2, 3}}), Error);
  const Tensor x({2, 3}), wrong_grad({3, 2});
  Tensor y, dx;
  relu.forward({&x}, y, true);
  BOOST_CHECK_THROW(relu.backward({&x}, y, wrong_grad, {&dx}), Error);
}

BOOST_AUTO_TEST_SUITE_END()
