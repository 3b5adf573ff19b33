// Global average pooling and residual add: the two kernels without weights.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <vector>

#include "libmpq/kernels/global_average_pool.hpp"
#include "libmpq/kernels/packing.hpp"
#include "libmpq/kernels/quantize_multiplier.hpp"
#include "libmpq/kernels/residual_add.hpp"
#include "tests/kernels/oracle.hpp"
#include "tests/kernels/test_helpers.hpp"

namespace mk = mpq::kernels;
using mk::Status;

BOOST_AUTO_TEST_SUITE(global_average_pool)

BOOST_AUTO_TEST_CASE(reference_and_fast_match_oracle_for_every_bit_pair) {
  mk::testing::CaseRng rng(51);
  for (int32_t xb : {8, 4, 2}) {
    for (int32_t ob : {8, 4, 2}) {
      for (int32_t hw : {1, 5, 17}) {
        mk::GlobalAveragePoolParams p{hw, hw + 1, 13 + xb, {xb, (1 << xb) / 2}, mk::full_range_output(ob, (1 << ob) / 2), 0, 0};
        BOOST_REQUIRE(mk::quantize_multiplier(std::ldexp(1.0, ob - xb) / (hw * (hw + 1)), &p.multiplier, &p.shift) == Status::ok);
        auto input = random_vector(rng, mk::activation_bytes(p.input_h, p.input_w, p.channels, xb));
        const int32_t out_bytes = mk::packed_row_bytes(p.channels, ob);
        std::vector<uint8_t> ref(out_bytes, 0xA5), fast(out_bytes, 0x5A);
        BOOST_REQUIRE(mk::global_average_pool_ref(p, input.data(), ref.data()) == Status::ok);
        BOOST_REQUIRE(mk::global_average_pool_fast(p, input.data(), fast.data()) == Status::ok);
        BOOST_TEST(ref == fast, boost::test_tools::per_element());
        const int64_t px = mk::oracle::row_bytes(p.channels, xb);
        for (int32_t c = 0; c < p.channels; ++c) {
          int64_t acc = 0;
          for (int64_t i = 0; i < int64_t{p.input_h} * p.input_w; ++i) {
            acc += mk::oracle::unsigned_at(input.data() + i * px, c, xb) - p.input.zero_point;
          }
          BOOST_TEST(mk::oracle::to_code(acc, p.multiplier, p.shift, p.output.zero_point, p.output.min, p.output.max) ==
                     mk::oracle::unsigned_at(ref.data(), c, ob));
        }
        BOOST_TEST(padding_bits_are_zero(ref, 1, p.channels, ob));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(averages_round_once_with_ties_toward_plus_infinity) {
  // 2x2 pixels, 1 channel, 8 bits, divided by 4 in the multiplier.
  mk::GlobalAveragePoolParams p{2, 2, 1, {8, 0}, mk::full_range_output(8, 0), 0, 0};
  BOOST_REQUIRE(mk::quantize_multiplier(0.25, &p.multiplier, &p.shift) == Status::ok);
  auto pool = [&](std::vector<uint8_t> input) {
    uint8_t ref = 0, fast = 0;
    BOOST_REQUIRE(mk::global_average_pool_ref(p, input.data(), &ref) == Status::ok);
    BOOST_REQUIRE(mk::global_average_pool_fast(p, input.data(), &fast) == Status::ok);
    BOOST_TEST(ref == fast);
    return int(fast);
  };
  BOOST_TEST(pool({1, 2, 3, 4}) == 3);  // 2.5 -> 3
  BOOST_TEST(pool({1, 1, 1, 2}) == 1);  // 1.25 -> 1
  BOOST_TEST(pool({1, 2, 2, 2}) == 2);  // 1.75 -> 2
  // Zero points 10 in and out: codes 9, 9, 10, 10 average to -0.5 -> 0, i.e. code 10
  // (rounding half away from zero would give code 9).
  p.input.zero_point = 10;
  p.output.zero_point = 10;
  BOOST_TEST(pool({9, 9, 10, 10}) == 10);
  BOOST_TEST(pool({9, 9, 9, 10}) == 9);  // -0.75 -> -1
}

BOOST_AUTO_TEST_CASE(bad_arguments_return_their_status) {
  std::vector<uint8_t> in(64), out(8);
  const mk::GlobalAveragePoolParams good{2, 2, 4, {8, 0}, mk::full_range_output(8, 0), 1 << 30, -2};
  auto with = [&](auto change) {
    mk::GlobalAveragePoolParams p = good;
    change(p);
    const Status r = mk::global_average_pool_ref(p, in.data(), out.data());
    BOOST_TEST(r == mk::global_average_pool_fast(p, in.data(), out.data()));
    return r;
  };
  BOOST_TEST(with([](auto&) {}) == Status::ok);
  BOOST_TEST(with([](auto& p) { p.input.bits = 1; }) == Status::bad_bits);
  BOOST_TEST(with([](auto& p) { p.input.zero_point = -1; }) == Status::bad_zero_point);
  BOOST_TEST(with([](auto& p) { p.output.min = 200; p.output.max = 100; }) == Status::bad_clamp);
  BOOST_TEST(with([](auto& p) { p.channels = 0; }) == Status::bad_shape);
  BOOST_TEST(with([](auto& p) { p.input_h = 4096; p.input_w = 4096; p.channels = 1; }) == Status::too_deep);
  BOOST_TEST(with([](auto& p) { p.shift = 31; }) == Status::bad_multiplier);
  BOOST_TEST(mk::global_average_pool_fast(good, nullptr, out.data()) == Status::null_pointer);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(residual_add)

BOOST_AUTO_TEST_CASE(reference_and_fast_match_the_formula_and_the_real_sum) {
  mk::testing::CaseRng rng(61);
  for (int32_t ab : {8, 4, 2}) {
    for (int32_t bb : {8, 4, 2}) {
      for (int32_t ob : {8, 4, 2}) {
        mk::ResidualAddParams p{};
        p.input_h = 3;
        p.input_w = 2;
        p.channels = 11 + ab;
        p.a = {ab, rng.range(0, (1 << ab) - 1)};
        p.b = {bb, rng.range(0, (1 << bb) - 1)};
        p.output = mk::full_range_output(ob, (1 << ob) / 2);
        const double sa = 1.0 / (1 << ab), sb = 0.75 / (1 << bb), sy = 3.0 / (1 << ob);
        BOOST_REQUIRE(mk::quantize_residual_add(sa, sb, sy, &p) == Status::ok);
        auto a = random_vector(rng, mk::activation_bytes(3, 2, p.channels, ab));
        auto b = random_vector(rng, mk::activation_bytes(3, 2, p.channels, bb));
        const int32_t out_bytes = mk::activation_bytes(3, 2, p.channels, ob);
        std::vector<uint8_t> ref(out_bytes, 0xA5), fast(out_bytes, 0x5A);
        BOOST_REQUIRE(mk::residual_add_ref(p, a.data(), b.data(), ref.data()) == Status::ok);
        BOOST_REQUIRE(mk::residual_add_fast(p, a.data(), b.data(), fast.data()) == Status::ok);
        BOOST_TEST(ref == fast, boost::test_tools::per_element());
        BOOST_TEST(padding_bits_are_zero(ref, 6, p.channels, ob));
        const int64_t pa = mk::oracle::row_bytes(p.channels, ab), pb = mk::oracle::row_bytes(p.channels, bb),
                      po = mk::oracle::row_bytes(p.channels, ob);
        int32_t far = 0;
        for (int64_t i = 0; i < 6; ++i) {
          for (int32_t c = 0; c < p.channels; ++c) {
            const int32_t va = mk::oracle::unsigned_at(a.data() + i * pa, c, ab) - p.a.zero_point;
            const int32_t vb = mk::oracle::unsigned_at(b.data() + i * pb, c, bb) - p.b.zero_point;
            const int64_t sum = int64_t{mk::oracle::requantize(va * (1 << p.left_shift), p.a_multiplier, p.a_shift)} +
                                mk::oracle::requantize(vb * (1 << p.left_shift), p.b_multiplier, p.b_shift);
            const int32_t got = mk::oracle::unsigned_at(ref.data() + i * po, c, ob);
            BOOST_TEST(got == mk::oracle::to_code(sum, p.output_multiplier, p.output_shift, p.output.zero_point,
                                                  p.output.min, p.output.max));
            // Within one code of the real-valued sum (before clamping).
            const double real = (sa * va + sb * vb) / sy + p.output.zero_point;
            const double clamped = std::fmin(std::fmax(std::round(real), 0.0), (1 << ob) - 1);
            if (std::fabs(got - clamped) > 1.0) ++far;
          }
        }
        BOOST_TEST(far == 0);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(output_may_alias_an_input_of_the_same_bits) {
  mk::testing::CaseRng rng(62);
  for (int32_t bits : {8, 4, 2}) {
    mk::ResidualAddParams p{};
    p.input_h = 4;
    p.input_w = 3;
    p.channels = 7;
    p.a = {bits, 1};
    p.b = {8, 128};
    p.output = mk::full_range_output(bits, 1);
    BOOST_REQUIRE(mk::quantize_residual_add(0.1, 0.02, 0.12, &p) == Status::ok);
    auto a = random_vector(rng, mk::activation_bytes(4, 3, 7, bits));
    auto b = random_vector(rng, mk::activation_bytes(4, 3, 7, 8));
    std::vector<uint8_t> separate(a.size());
    BOOST_REQUIRE(mk::residual_add_ref(p, a.data(), b.data(), separate.data()) == Status::ok);
    std::vector<uint8_t> in_place_ref = a, in_place_fast = a;
    BOOST_REQUIRE(mk::residual_add_ref(p, in_place_ref.data(), b.data(), in_place_ref.data()) == Status::ok);
    BOOST_REQUIRE(mk::residual_add_fast(p, in_place_fast.data(), b.data(), in_place_fast.data()) == Status::ok);
    BOOST_TEST(in_place_ref == separate, boost::test_tools::per_element());
    BOOST_TEST(in_place_fast == separate, boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(bad_arguments_return_their_status) {
  std::vector<uint8_t> a(64), b(64), out(64);
  mk::ResidualAddParams good{};
  good.input_h = good.input_w = 2;
  good.channels = 3;
  good.a = {8, 0};
  good.b = {4, 3};
  good.output = mk::full_range_output(2, 0);
  BOOST_REQUIRE(mk::quantize_residual_add(1.0, 2.0, 1.5, &good) == Status::ok);
  BOOST_TEST(good.left_shift == 20);
  auto with = [&](auto change) {
    mk::ResidualAddParams p = good;
    change(p);
    const Status r = mk::residual_add_ref(p, a.data(), b.data(), out.data());
    BOOST_TEST(r == mk::residual_add_fast(p, a.data(), b.data(), out.data()));
    return r;
  };
  BOOST_TEST(with([](auto&) {}) == Status::ok);
  BOOST_TEST(with([](auto& p) { p.b.bits = 16; }) == Status::bad_bits);
  BOOST_TEST(with([](auto& p) { p.b.zero_point = 16; }) == Status::bad_zero_point);
  BOOST_TEST(with([](auto& p) { p.output.max = 4; }) == Status::bad_clamp);
  BOOST_TEST(with([](auto& p) { p.channels = -1; }) == Status::bad_shape);
  BOOST_TEST(with([](auto& p) { p.left_shift = 23; }) == Status::bad_multiplier);
  BOOST_TEST(with([](auto& p) { p.a_multiplier = -1; }) == Status::bad_multiplier);
  BOOST_TEST(with([](auto& p) { p.output_shift = -40; }) == Status::bad_multiplier);
  BOOST_TEST(mk::residual_add_ref(good, a.data(), nullptr, out.data()) == Status::null_pointer);
  BOOST_TEST(mk::quantize_residual_add(1.0, 0.0, 1.0, &good) == Status::bad_multiplier);
}

BOOST_AUTO_TEST_SUITE_END()
