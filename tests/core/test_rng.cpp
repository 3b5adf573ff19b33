#include <boost/test/unit_test.hpp>

#include <cmath>

#include "libmpq/core/rng.hpp"

BOOST_AUTO_TEST_SUITE(rng)

BOOST_AUTO_TEST_CASE(same_seed_gives_same_sequence_and_different_seeds_differ) {
  mpq::Rng a(42), b(42), c(43);
  bool any_diff = false;
  for (int i = 0; i < 100; ++i) {
    uint64_t x = a.next_u64();
    BOOST_TEST(x == b.next_u64());
    any_diff |= (x != c.next_u64());
  }
  BOOST_TEST(any_diff);
}

BOOST_AUTO_TEST_CASE(uniform_and_normal_have_expected_moments) {
  mpq::Rng r(7);
  const int n = 200000;
  double su = 0, sn = 0, sn2 = 0;
  for (int i = 0; i < n; ++i) {
    float u = r.uniform();
    BOOST_REQUIRE(u >= 0.f);
    BOOST_REQUIRE(u < 1.f);
    su += u;
    double z = r.normal();
    sn += z;
    sn2 += z * z;
  }
  BOOST_TEST(std::abs(su / n - 0.5) < 0.005);
  BOOST_TEST(std::abs(sn / n) < 0.01);
  BOOST_TEST(std::abs(sn2 / n - 1.0) < 0.02);
}

BOOST_AUTO_TEST_CASE(below_stays_in_range_and_covers_it) {
  mpq::Rng r(3);
  int hits[7] = {};
  for (int i = 0; i < 7000; ++i) {
    uint64_t v = r.below(7);
    BOOST_REQUIRE(v < 7u);
    ++hits[v];
  }
  for (int h : hits) BOOST_TEST(h > 800);
}

BOOST_AUTO_TEST_SUITE_END()
