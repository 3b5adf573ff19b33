#include <boost/test/unit_test.hpp>

#include <cmath>

#include "libmpq/rl/truncated_normal.hpp"

namespace mpq {

BOOST_AUTO_TEST_SUITE(truncated_normal)

BOOST_AUTO_TEST_CASE(draws_stay_inside_the_bounds_without_piling_up_on_them) {
  Rng rng(1);
  int at_bounds = 0;
  for (int i = 0; i < 20000; ++i) {
    const float x = sample_truncated_normal(rng, 0.9f, 0.5f, 0.f, 1.f);
    BOOST_REQUIRE(x >= 0.f);
    BOOST_REQUIRE(x <= 1.f);
    if (x == 0.f || x == 1.f) ++at_bounds;
  }
  BOOST_TEST(at_bounds == 0);
}

BOOST_AUTO_TEST_CASE(matches_the_truncated_normal_mean) {
  // Normal(0.9, 0.5) truncated to [0, 1] has mean 0.9 + 0.5 * (phi(-1.8) - phi(0.2)) /
  // (Phi(0.2) - Phi(-1.8)) = 0.6128 (sd of the mean of 40000 draws: 0.0013).
  Rng rng(2);
  double sum = 0;
  const int n = 40000;
  for (int i = 0; i < n; ++i) sum += sample_truncated_normal(rng, 0.9f, 0.5f, 0.f, 1.f);
  BOOST_TEST(std::abs(sum / n - 0.6128) < 0.005);
}

BOOST_AUTO_TEST_CASE(small_sigma_stays_near_the_mean_and_zero_sigma_is_the_mean) {
  Rng rng(3);
  for (int i = 0; i < 1000; ++i) BOOST_TEST(std::abs(sample_truncated_normal(rng, 0.3f, 0.01f, 0.f, 1.f) - 0.3f) < 0.06f);
  BOOST_TEST(sample_truncated_normal(rng, 0.3f, 0.f, 0.f, 1.f) == 0.3f);
  BOOST_TEST(sample_truncated_normal(rng, 1.7f, 0.f, 0.f, 1.f) == 1.f);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace mpq
