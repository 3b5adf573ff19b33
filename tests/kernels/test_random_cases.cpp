#include <boost/test/unit_test.hpp>

#include "tests/kernels/cases/kernel_cases.hpp"
#include "tests/kernels/test_helpers.hpp"

using mpq::kernels::testing::Family;

// Fast kernels against the reference on random cases cycling through every combination of
// bit widths (27 per family; 9 for pooling, whose weight bits are unused; 3 for max and
// average pooling, whose output bits are the input's).
BOOST_AUTO_TEST_SUITE(random_cases)

BOOST_AUTO_TEST_CASE(depthwise_convolve_fast_matches_reference) {
  expect_no_failures(Family::depthwise_convolve, 202, 27 * 40);
}
BOOST_AUTO_TEST_CASE(pointwise_convolve_fast_matches_reference) {
  expect_no_failures(Family::pointwise_convolve, 303, 27 * 40);
}
BOOST_AUTO_TEST_CASE(fully_connected_fast_matches_reference) {
  expect_no_failures(Family::fully_connected, 404, 27 * 40);
}
BOOST_AUTO_TEST_CASE(global_average_pool_fast_matches_reference) {
  expect_no_failures(Family::global_average_pool, 505, 27 * 20);
}
BOOST_AUTO_TEST_CASE(residual_add_fast_matches_reference) {
  expect_no_failures(Family::residual_add, 606, 27 * 40);
}

BOOST_AUTO_TEST_CASE(max_pool_fast_matches_reference) {
  expect_no_failures(Family::max_pool, 707, 27 * 40);
}
BOOST_AUTO_TEST_CASE(average_pool_fast_matches_reference) {
  expect_no_failures(Family::average_pool, 808, 27 * 40);
}

BOOST_AUTO_TEST_SUITE_END()
