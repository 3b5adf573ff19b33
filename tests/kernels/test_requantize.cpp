#include <boost/test/unit_test.hpp>
#include <climits>
#include <cmath>
#include <limits>

#include "libmpq/kernels/detail/channel_requant.hpp"
#include "libmpq/kernels/quantize_multiplier.hpp"
#include "libmpq/kernels/requantize.hpp"
#include "tests/kernels/oracle.hpp"
#include "tests/kernels/test_helpers.hpp"

namespace mk = mpq::kernels;
using mk::Status;

BOOST_AUTO_TEST_SUITE(requantize)

BOOST_AUTO_TEST_CASE(matches_the_exact_rounding_on_every_shift_and_edge_values) {
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

BOOST_AUTO_TEST_CASE(matches_the_exact_rounding_on_random_values) {
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
  // Nearest, ties toward +infinity: multiplier 2^30 with shift 0 is 1/2.
  BOOST_TEST(mk::requantize(1, 1 << 30, 0) == 1);     // +0.5 -> 1
  BOOST_TEST(mk::requantize(-1, 1 << 30, 0) == 0);    // -0.5 -> 0
  BOOST_TEST(mk::requantize(-3, 1 << 30, 0) == -1);   // -1.5 -> -1
  BOOST_TEST(mk::requantize(5, 1 << 30, 0) == 3);     // 2.5 -> 3
  BOOST_TEST(mk::requantize(5, 1 << 30, -1) == 1);    // 1.25 -> 1
  BOOST_TEST(mk::requantize(-5, 1 << 30, -1) == -1);  // -1.25 -> -1
  BOOST_TEST(mk::requantize(7, 1 << 30, -1) == 2);    // 1.75 -> 2
  // Every shift: 3/2 * 2^shift rounds up at the half, down just below it.
  for (int32_t shift = -29; shift <= 0; ++shift) {
    const int32_t total = 31 - shift;  // real = 2^30 * 2^(shift - 31) = 2^(shift - 1)
    const int32_t half = 1 << (total - 31);  // acc * real = 1/2
    BOOST_TEST(mk::requantize(half, 1 << 30, shift) == 1);
    BOOST_TEST(mk::requantize(-half, 1 << 30, shift) == 0);
    BOOST_TEST(mk::requantize(3 * half, 1 << 30, shift) == 2);
    BOOST_TEST(mk::requantize(3 * half - 1, 1 << 30, shift) == 1);
    BOOST_TEST(mk::requantize(-3 * half - 1, 1 << 30, shift) == -2);
  }
}

BOOST_AUTO_TEST_CASE(rounds_once_where_two_roundings_would_differ) {
  // acc = 23, real 0.1468: multiplier 0.5872 * 2^31, shift -2. Rounding 23 * 0.5872 = 13.5
  // to 14 first and then 14 / 4 = 3.5 to 4 would give 4; acc * real = 3.376 gives 3.
  int32_t m = 0, s = 0;
  BOOST_REQUIRE(mk::quantize_multiplier(0.1468, &m, &s) == Status::ok);
  BOOST_TEST(s == -2);
  BOOST_TEST(mk::requantize(23, m, s) == 3);
  BOOST_TEST(mk::requantize_to_code(23, m, s, 0, 0, 15) == 3u);
}

BOOST_AUTO_TEST_CASE(left_shifts_take_the_exact_product) {
  // Multiplier 2 (2^30 with shift 2): no saturation before the multiply.
  BOOST_TEST(mk::requantize(1 << 29, 1 << 30, 2) == (1 << 30));
  BOOST_TEST(mk::requantize_exact(1 << 30, 1 << 30, 2) == (int64_t{1} << 31));
  BOOST_TEST(mk::requantize(1 << 30, 1 << 30, 2) == INT32_MAX);  // saturated result
  BOOST_TEST(mk::requantize(-(1 << 30), 1 << 30, 2) == INT32_MIN);
  BOOST_TEST(mk::requantize_exact(INT32_MAX, INT32_MAX, 30) == ((int64_t{INT32_MAX} * INT32_MAX + 1) >> 1));
  BOOST_TEST(mk::requantize_exact(INT32_MIN, INT32_MAX, 30) == (int64_t{INT32_MIN} * INT32_MAX) / 2);
  BOOST_TEST(mk::requantize(3, 3 << 28, 1) == 2);  // 3 * 0.75 = 2.25
}

BOOST_AUTO_TEST_CASE(codes_add_the_zero_point_and_clamp_without_overflow) {
  BOOST_TEST(mk::requantize_to_code(100, 1 << 30, 0, 10, 0, 255) == 60u);  // 100 * 0.5 + 10
  BOOST_TEST(mk::requantize_to_code(INT32_MAX, INT32_MAX, 30, 255, 0, 255) == 255u);
  BOOST_TEST(mk::requantize_to_code(INT32_MIN, INT32_MAX, 30, 255, 0, 255) == 0u);
  BOOST_TEST(mk::requantize_to_code(INT32_MIN, INT32_MAX, 30, 0, 0, 255) == 0u);
  BOOST_TEST(mk::requantize_to_code(1000, 1 << 30, 0, 0, 0, 6) == 6u);  // ReLU6-style clip
  BOOST_TEST(mk::requantize_to_code(-1000, 1 << 30, 0, 3, 2, 15) == 2u);
  BOOST_TEST(mk::requantize_to_code(-1, 1 << 30, 0, 0, 0, 255) == 0u);  // -0.5 -> 0
  BOOST_TEST(mk::wrapping_add(INT32_MAX, 1) == INT32_MIN);
}

BOOST_AUTO_TEST_CASE(the_fast_kernels_per_channel_form_equals_requantize_to_code) {
  // detail::ChannelRequant (SMLAL onto the rounding constant for shifts <= -1, the exact
  // formula out of line otherwise) on every shift, edge and random values, narrowed clamps.
  const int32_t accs[] = {INT32_MIN, INT32_MIN + 1, -(1 << 30), -65537, -255, -3, -2, -1, 0, 1, 2,
                          3, 254, 65535, 1 << 30, INT32_MAX - 1, INT32_MAX};
  const int32_t mults[] = {0, 1, 3, 1 << 30, (1 << 30) + 1, 1518500250, INT32_MAX - 1, INT32_MAX};
  struct Out {
    int32_t zero_point, min, max;
  };
  const Out outs[] = {{0, 0, 255}, {128, 0, 255}, {7, 0, 15}, {0, 0, 6}, {2, 1, 2}, {255, 0, 255}};
  mk::testing::CaseRng rng(23);
  int32_t mismatches = 0;
  for (int32_t shift = mk::kMinShift; shift <= mk::kMaxShift; ++shift) {
    for (int32_t m : mults) {
      for (const Out& o : outs) {
        const int32_t bias = rng.percent(50) ? 0 : static_cast<int32_t>(rng.next());
        const auto c = mk::detail::ChannelRequant::make(bias, m, shift, o.zero_point, o.min, o.max);
        for (int32_t acc : accs) {
          const uint32_t want = mk::requantize_to_code(mk::wrapping_add(acc, bias), m, shift, o.zero_point, o.min, o.max);
          if (c.code(acc) != want && mismatches++ < 5) BOOST_ERROR("acc " << acc << " m " << m << " shift " << shift);
        }
      }
    }
  }
  for (int32_t i = 0; i < 1000000; ++i) {
    const int32_t acc = static_cast<int32_t>(rng.next()) >> rng.range(0, 31);
    const int32_t m = rng.percent(90) ? rng.range(1 << 30, INT32_MAX) : rng.range(0, INT32_MAX);
    // Half of the shifts bring acc near the code range, where the rounding shows.
    int32_t bits = 0;
    while (bits < 31 && (acc >> bits) != 0 && (acc >> bits) != -1) ++bits;
    const int32_t near = 8 - bits + rng.range(-2, 2);
    const int32_t shift = rng.percent(50) ? rng.range(mk::kMinShift, mk::kMaxShift)
                                          : (near < mk::kMinShift ? mk::kMinShift : (near > mk::kMaxShift ? mk::kMaxShift : near));
    const Out& o = outs[rng.range(0, 5)];
    const auto c = mk::detail::ChannelRequant::make(0, m, shift, o.zero_point, o.min, o.max);
    if (c.code(acc) != mk::requantize_to_code(acc, m, shift, o.zero_point, o.min, o.max) && mismatches++ < 5) {
      BOOST_ERROR("acc " << acc << " m " << m << " shift " << shift);
    }
  }
  BOOST_TEST(mismatches == 0);
}

BOOST_AUTO_TEST_CASE(the_full_range_usat_form_equals_requantize_to_code) {
  // ChannelRequant::code_full_range<b> (zero_point + r, then one USAT) against the plain
  // formula for outputs clamped to [0, 2^b - 1], every shift, edge and random accumulators.
  const int32_t accs[] = {INT32_MIN, INT32_MIN + 1, -(1 << 30), -65537, -1025, -1024, -255, -3, -1,
                          0, 1, 2, 254, 1023, 1024, 65535, 1 << 30, INT32_MAX};
  const int32_t mults[] = {0, 1, 3, 1 << 30, (1 << 30) + 1, 1518500250, INT32_MAX};
  mk::testing::CaseRng rng(24);
  int32_t mismatches = 0;
  for (int32_t bits : {2, 4, 8}) {
    const int32_t top = (1 << bits) - 1;
    for (int32_t shift = mk::kMinShift; shift <= mk::kMaxShift; ++shift) {
      for (int32_t m : mults) {
        for (int32_t zp : {0, 1, top / 2, top}) {
          const int32_t bias = rng.percent(50) ? 0 : static_cast<int32_t>(rng.next());
          const auto c = mk::detail::ChannelRequant::make(bias, m, shift, zp, 0, top);
          for (int32_t i = 0; i < 40; ++i) {
            const int32_t acc = i < 18 ? accs[i] : static_cast<int32_t>(rng.next()) >> rng.range(0, 31);
            const uint32_t want = mk::requantize_to_code(mk::wrapping_add(acc, bias), m, shift, zp, 0, top);
            const uint32_t got = bits == 8   ? c.code_full_range<8>(acc)
                                 : bits == 4 ? c.code_full_range<4>(acc)
                                             : c.code_full_range<2>(acc);
            if (got != want && mismatches++ < 5) {
              BOOST_ERROR("bits " << bits << " acc " << acc << " m " << m << " shift " << shift << " zp " << zp);
            }
          }
        }
      }
    }
  }
  BOOST_TEST(mismatches == 0);
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
