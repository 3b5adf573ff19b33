#include <boost/test/unit_test.hpp>

#include <string>

#include "libmpq/core/error.hpp"
#include "libmpq/nn/add.hpp"
#include "nn/gradient_check.hpp"

using namespace mpq;

BOOST_AUTO_TEST_SUITE(add)

BOOST_AUTO_TEST_CASE(forward_sums_elementwise) {
  Tensor a({1, 1, 2, 2}), b({1, 1, 2, 2}), y;
  for (int64_t i = 0; i < 4; ++i) {
    a[i] = static_cast<float>(i);
    b[i] = 10.f * static_cast<float>(i) - 1.f;
  }
  Add add;
  add.forward({&a, &b}, y, true);
  BOOST_TEST((y.shape() == Shape{1, 1, 2, 2}));
  for (int64_t i = 0; i < 4; ++i) BOOST_TEST(y[i] == 11.f * static_cast<float>(i) - 1.f);
}

BOOST_AUTO_TEST_CASE(gradient_matches_finite_differences_for_both_inputs) {
  Rng rng(3);
  Add add;
  const auto err =
      test::check_gradients(add, {test::random_tensor({2, 3, 5, 4}, rng), test::random_tensor({2, 3, 5, 4}, rng)}, true);
  BOOST_TEST(err.worst < 1e-3, err.where);
}

BOOST_AUTO_TEST_CASE(backward_copies_gradient_and_skips_null_outputs) {
  Rng rng(4);
  const Tensor a = test::random_tensor({3, 4}, rng), b = test::random_tensor({3, 4}, rng);
  const Tensor dy = test::random_tensor({3, 4}, rng);
  Tensor y, db(Shape{1}, 7.f);
  Add add;
  add.forward({&a, &b}, y, true);
  add.backward({&a, &b}, y, dy, {nullptr, &db});
  BOOST_TEST((db.shape() == Shape{3, 4}));
  for (int64_t i = 0; i < dy.size(); ++i) BOOST_TEST(db[i] == dy[i]);
}

BOOST_AUTO_TEST_CASE(mismatched_shapes_throw_naming_both) {
  Add add;
  const Tensor a({2, 4, 4, 8}), b({2, 4, 4, 16});
  Tensor y;
  try {
    add.forward({&a, &b}, y, true);
    BOOST_FAIL("expected mpq::Error");
  } catch (const Error& e) {
    const std::string msg = e.what();
    BOOST_TEST(msg.find("add") != std::string::npos, msg);
    BOOST_TEST(msg.find("2x4x4x8") != std::string::npos, msg);
    BOOST_TEST(msg.find("2x4x4x16") != std::string::npos, msg);
  }
  BOOST_CHECK_THROW(add.forward({&a}, y, true), Error);
}

BOOST_AUTO_TEST_SUITE_END()
