#include <boost/test/unit_test.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "libmpq/core/error.hpp"
#include "libmpq/nn/softmax_cross_entropy.hpp"
#include "nn/gradient_check.hpp"

using namespace mpq;

namespace {

Tensor make_tensor(const Shape& shape, const std::vector<float>& values) {
  Tensor t(shape);
  BOOST_REQUIRE_EQUAL(t.size(), static_cast<int64_t>(values.size()));
  for (int64_t i = 0; i < t.size(); ++i) t[i] = values[static_cast<size_t>(i)];
  return t;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(softmax_cross_entropy_loss)

BOOST_AUTO_TEST_CASE(loss_gradient_and_accuracy_match_hand_computation) {
  // Row 0: softmax(1, 2, 3) = (0.09003057, 0.24472847, 0.66524096), label 2 is the top-1.
  // Row 1: uniform, label 1 is not the first maximum, so it does not count as correct.
  const Tensor logits = make_tensor({2, 3}, {1, 2, 3, 1, 1, 1});
  Tensor grad;
  const LossResult r = softmax_cross_entropy(logits, {2, 1}, &grad);
  BOOST_CHECK_CLOSE(r.loss, (0.40760596444438013 + std::log(3.0)) / 2, 1e-5);
  BOOST_TEST(r.correct == 1);
  BOOST_TEST((grad.shape() == Shape{2, 3}));
  const double expect[] = {0.09003057 / 2, 0.24472847 / 2, (0.66524096 - 1) / 2, 1.0 / 6, (1.0 / 3 - 1) / 2, 1.0 / 6};
  for (int64_t i = 0; i < 6; ++i) BOOST_CHECK_CLOSE(grad[i], expect[i], 1e-4);
}

BOOST_AUTO_TEST_CASE(gradient_matches_finite_differences_of_the_mean_loss) {
  Rng rng(2);
  Tensor logits = test::random_tensor({4, 5}, rng, 2.f);
  const std::vector<int32_t> labels = {0, 4, 2, 2};
  Tensor grad;
  softmax_cross_entropy(logits, labels, &grad);
  const float h = 1e-2f;
  for (int64_t i = 0; i < logits.size(); ++i) {
    const float saved = logits[i];
    logits[i] = saved + h;
    const double up = softmax_cross_entropy(logits, labels, nullptr).loss;
    logits[i] = saved - h;
    const double down = softmax_cross_entropy(logits, labels, nullptr).loss;
    logits[i] = saved;
    BOOST_CHECK_SMALL(grad[i] - (up - down) / (2 * h), 1e-4);
  }
}

BOOST_AUTO_TEST_CASE(large_logits_stay_finite) {
  const Tensor logits = make_tensor({2, 3}, {1000, 0, -1000, 1000, 1000, 1000});
  Tensor grad;
  const LossResult r = softmax_cross_entropy(logits, {1, 0}, &grad);
  BOOST_TEST(std::isfinite(r.loss));
  BOOST_CHECK_CLOSE(r.loss, (1000.0 + std::log(3.0)) / 2, 1e-6);
  BOOST_TEST(r.correct == 1);
  for (int64_t i = 0; i < grad.size(); ++i) BOOST_TEST(std::isfinite(grad[i]));
  BOOST_CHECK_CLOSE(grad[0], 0.5f, 1e-5);
  BOOST_CHECK_CLOSE(grad[1], -0.5f, 1e-5);
  BOOST_CHECK_SMALL(grad[2], 1e-12f);
}

BOOST_AUTO_TEST_CASE(out_of_range_label_throws_naming_label_and_index) {
  const Tensor logits({3, 10});
  Tensor grad;
  try {
    softmax_cross_entropy(logits, {0, 10, 3}, &grad);
    BOOST_FAIL("expected mpq::Error");
  } catch (const Error& e) {
    const std::string msg = e.what();
    BOOST_TEST(msg.find("label 10") != std::string::npos, msg);
    BOOST_TEST(msg.find("index 1") != std::string::npos, msg);
  }
  BOOST_CHECK_THROW(softmax_cross_entropy(logits, {0, -1, 3}, nullptr), Error);
}

BOOST_AUTO_TEST_CASE(bad_shapes_throw) {
  BOOST_CHECK_THROW(softmax_cross_entropy(Tensor({3, 10}), {0, 1}, nullptr), Error);
  BOOST_CHECK_THROW(softmax_cross_entropy(Tensor({3, 1, 1, 10}), {0, 1, 2}, nullptr), Error);
  BOOST_CHECK_THROW(softmax_cross_entropy(Tensor({0, 10}), {}, nullptr), Error);
}

BOOST_AUTO_TEST_SUITE_END()
