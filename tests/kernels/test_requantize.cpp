#include <boost/test/unit_test.hpp>
#include <climits>
#include <cmath>
#include <limits>

#include "libmpq/kernels/quantize_multiplier.hpp"
#include "libmpq/kernels/requantize.hpp"
#include "tests/kernels/oracle.hpp"
#include "tests/kernels/test_helpers.hpp"

namespace mk = mpq::kernels;
using mk::Status;

BOOST_AUTO_TEST_SUITE(requantize)

BOOST_AUTO_TEST_CASE(matches_the_64_bit_formula_on_every_shift_and_edge_values) {
  const int32_t accs[] = {INT32_MIN, INT32_MIN + 1, -(1 << 30), -65536, -3, -2, -1, 0, 1, 2, 3,
                          65535, 1 << 30, INT32_MAX - 1, INT32_MAX};
  const int32_t mults[] = {0, 1, 3, 1 << 30, (1 << 30) + 1, 1518500250, INT32_MAX - 1, INT32_MAX};
  int64_t checked = 0;
  for (int32_t shift = mk::kMinShift; shift <= mk::kMaxShift; ++shift) {
    for (int32_t acc : accs) {
      for (int32_t m : mults) {
        const int32_t want = mk::oracle::requantize(acc, m, shift);
        const int32_t got = mk::requantize(acc, m, shift);
        if (want != got) BOOST_ERROR("acc " << acc << " m " << m << " shift " << shift << ": " << got << " != " << want);
        ++checked;
      }
    }
  }
  BOOST_TEST(checked == 62 * 15 * 8);
}

BOOST_AUTO_TEST_CASE(matches_the_64_bit_formula_on_random_values) {
  mk::testing::CaseRng rng(21);
  int32_t mismatches = 0;
  for (int32_t i = 0; i < 2000000; ++i) {
    const int32_t acc = static_cast<int32_t>(rng.next()) >> rng.range(0, 31);
    const int32_t m = rng.percent(90) ? rng.range(1 << 30, INT32_MAX) : rng.range(0, INT32_MAX);
    const int32_t shift = rng.range(mk::kMinShift, mk::kMaxShift);
    if (mk::oracle::requantize(acc, m, shift) != mk::requantize(acc, m, shift) && mismatches++ < 5) {
      BOOST_ERROR("acc " << acc << " m " << m << " shift " << shift);
    }
  }
  BOOST_TEST(mismatches == 0);
}

BOOST_AUTO_TEST_CASE(rounding_is_stated_exactly) {
  // Doubling high multiply: nearest, ties toward +infinity.
  BOOST_TEST(mk::saturating_rounding_doubling_high_mul(1 << 15, 1 << 15) == 1);    // +0.5 -> 1
  BOOST_TEST(mk::saturating_rounding_doubling_high_mul(-(1 << 15), 1 << 15) == 0);  // -0.5 -> 0
  BOOST_TEST(mk::saturating_rounding_doubling_high_mul(-(3 << 15), 1 << 15) == -1);   // -1.5 -> -1
  BOOST_TEST(mk::saturating_rounding_doubling_high_mul(INT32_MIN, INT32_MIN) == INT32_MAX);
  BOOST_TEST(mk::saturating_rounding_doubling_high_mul(INT32_MAX, INT32_MAX) == INT32_MAX - 1);
  // Rounding right shift: nearest, ties away from zero.
  BOOST_TEST(mk::rounding_divide_by_pot(3, 1) == 2);
  BOOST_TEST(mk::rounding_divide_by_pot(-3, 1) == -2);
  BOOST_TEST(mk::rounding_divide_by_pot(5, 2) == 1);
  BOOST_TEST(mk::rounding_divide_by_pot(6, 2) == 2);
  BOOST_TEST(mk::rounding_divide_by_pot(-6, 2) == -2);
  BOOST_TEST(mk::rounding_divide_by_pot(INT32_MAX, 31) == 1);
  BOOST_TEST(mk::rounding_divide_by_pot(INT32_MIN, 31) == -1);
  BOOST_TEST(mk::rounding_divide_by_pot(-7, 0) == -7);
  // A left shift saturates before the multiply.
  BOOST_TEST(mk::requantize(1 << 30, 1 << 30, 2) == (1 << 30));  // INT32_MAX * 0.5, rounded
  BOOST_TEST(mk::requantize(-(1 << 30), 1 << 30, 2) == -(1 << 30));
}

BOOST_AUTO_TEST_CASE(codes_add_the_zero_point_and_clamp_without_overflow) {
  BOOST_TEST(mk::requantize_to_code(100, 1 << 30, 0, 10, 0, 255) == 60u);  // 100 * 0.5 + 10
  BOOST_TEST(mk::requantize_to_code(INT32_MAX, INT32_MAX, 30, 255, 0, 255) == 255u);
  BOOST_TEST(mk::requantize_to_code(INT32_MIN, INT32_MAX, 30, 255, 0, 255) == 0u);
  BOOST_TEST(mk::requantize_to_code(1000, 1 << 30, 0, 0, 0, 6) == 6u);  // ReLU6-style clip
  BOOST_TEST(mk::requantize_to_code(-1000, 1 << 30, 0, 3, 2, 15) == 2u);
  BOOST_TEST(mk::wrapping_add(INT32_MAX, 1) == INT32_MIN);
}

BOOST_AUTO_TEST_CASE(quantize_multiplier_is_accurate_to_31_bits) {
  mk::testing::CaseRng rng(22);
  for (int32_t i = 0; i < 20000; ++i) {
    const double real = std::ldexp(1.0 + rng.next() / 4294967296.0, rng.range(-32, 28));
    int32_t m = 0, s = 0;
    BOOST_REQUIRE(mk::quantize_multiplier(real, &m, &s) == Status::ok);
    BOOST_TEST(m >= (1 << 30));
    BOOST_TEST(s >= mk::kMinShift);
    BOOST_TEST(s <= mk::kMaxShift);
    const double back = std::ldexp(static_cast<double>(m), s - 31);
    BOOST_TEST(std::fabs(back - real) <= real * std::ldexp(1.0, -31));
  }
}

BOOST_AUTO_TEST_CASE(quantize_multiplier_edge_values) {
  int32_t m = -1, s = -1;
  BOOST_TEST(mk::quantize_multiplier(1.0, &m, &s) == Status::ok);
  BOOST_TEST(m == (1 << 30));
  BOOST_TEST(s == 1);
  BOOST_TEST(mk::quantize_multiplier(0.5, &m, &s) == Status::ok);
  BOOST_TEST(m == (1 << 30));
  BOOST_TEST(s == 0);
  BOOST_TEST(mk::quantize_multiplier(0.0, &m, &s) == Status::ok);
  BOOST_TEST(m == 0);
  BOOST_TEST(s == 0);
  BOOST_TEST(mk::quantize_multiplier(std::ldexp(1.0, -40), &m, &s) == Status::ok);  // below 2^-32
  BOOST_TEST(s == -31);
  BOOST_TEST(m == (1 << 22));
  BOOST_TEST(mk::quantize_multiplier(std::ldexp(1.0, -80), &m, &s) == Status::ok);
  BOOST_TEST(m == 0);
  BOOST_TEST(mk::quantize_multiplier(std::nextafter(std::ldexp(1.0, 30), 0.0), &m, &s) == Status::bad_multiplier);
  BOOST_TEST(mk::quantize_multiplier(std::ldexp(1.0, 29), &m, &s) == Status::ok);
  BOOST_TEST(s == 30);
  BOOST_TEST(mk::quantize_multiplier(-1.0, &m, &s) == Status::bad_multiplier);
  BOOST_TEST(mk::quantize_multiplier(std::numeric_limits<double>::quiet_NaN(), &m, &s) == Status::bad_multiplier);
  BOOST_TEST(mk::quantize_multiplier(std::numeric_limits<double>::infinity(), &m, &s) == Status::bad_multiplier);
  BOOST_TEST(mk::quantize_multiplier(0.25, nullptr, &s) == Status::null_pointer);
}

BOOST_AUTO_TEST_CASE(a_quantized_multiplier_scales_like_the_real_one) {
  int32_t m = 0, s = 0;
  BOOST_REQUIRE(mk::quantize_multiplier(0.0123, &m, &s) == Status::ok);
  for (int32_t acc : {-100000, -1234, 0, 77, 5000, 123456}) {
    BOOST_TEST(std::abs(mk::requantize(acc, m, s) - std::lround(acc * 0.0123)) <= 1);
  }
}

BOOST_AUTO_TEST_SUITE_END()
