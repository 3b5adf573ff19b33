// Max and average pooling: an independent oracle on every bit width, padding, stride and
// count_include_pad; hand-computed windows; the arguments each refuses.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <vector>

#include "libmpq/kernels/average_pool.hpp"
#include "libmpq/kernels/convolve.hpp"
#include "libmpq/kernels/max_pool.hpp"
#include "libmpq/kernels/packing.hpp"
#include "tests/kernels/oracle.hpp"
#include "tests/kernels/test_helpers.hpp"

namespace mk = mpq::kernels;
using mk::Status;

namespace {

struct Sizes {
  int32_t out_h, out_w;
};
Sizes output_sizes(const mk::PoolGeometry& g) {
  return {mk::conv_output_size(g.input_h, g.kernel_h, g.stride_h, g.pad_top, g.pad_bottom),
          mk::conv_output_size(g.input_w, g.kernel_w, g.stride_w, g.pad_left, g.pad_right)};
}

// One channel, codes given one per byte; returns the output codes of ref (checked equal to
// fast).
template <typename Params, typename Ref, typename Fast>
std::vector<int> run_one_channel(const Params& p, int32_t bits, const std::vector<uint8_t>& codes, Ref ref_fn,
                                 Fast fast_fn) {
  const mk::PoolGeometry& g = p.geometry;
  std::vector<uint8_t> in(static_cast<size_t>(mk::activation_bytes(g.input_h, g.input_w, 1, bits)));
  BOOST_REQUIRE(mk::pack_unsigned_rows(codes.data(), g.input_h * g.input_w, 1, bits, in.data()) == Status::ok);
  const Sizes o = output_sizes(g);
  std::vector<uint8_t> ref(static_cast<size_t>(mk::activation_bytes(o.out_h, o.out_w, 1, bits)), 0xA5),
      fast(ref.size(), 0x5A);
  BOOST_REQUIRE(ref_fn(p, in.data(), ref.data()) == Status::ok);
  BOOST_REQUIRE(fast_fn(p, in.data(), fast.data()) == Status::ok);
  BOOST_TEST(ref == fast, boost::test_tools::per_element());
  std::vector<int> out;
  for (int32_t i = 0; i < o.out_h * o.out_w; ++i) out.push_back(static_cast<int>(mk::oracle::unsigned_at(ref.data() + i, 0, bits)));
  return out;
}

const mk::PoolGeometry k3s1p1{3, 3, 1, 3, 3, 1, 1, 1, 1, 1, 1};

}  // namespace

BOOST_AUTO_TEST_SUITE(max_and_average_pool)

BOOST_AUTO_TEST_CASE(average_divides_by_the_window_or_the_positions_inside) {
  const std::vector<uint8_t> x = {10, 20, 30, 40, 50, 60, 70, 80, 90};
  mk::AveragePoolParams p{k3s1p1, 1, {8, 0}};
  // Padding counted: the corner sums 120 / 9 = 13.3, the edge 210 / 9 = 23.3, the centre 50.
  BOOST_TEST(run_one_channel(p, 8, x, mk::average_pool_ref, mk::average_pool_fast) ==
                 (std::vector<int>{13, 23, 18, 30, 50, 37, 27, 43, 31}),
             boost::test_tools::per_element());
  p.count_include_pad = 0;  // corners / 4, edges / 6, the centre / 9
  BOOST_TEST(run_one_channel(p, 8, x, mk::average_pool_ref, mk::average_pool_fast) ==
                 (std::vector<int>{30, 35, 40, 45, 50, 55, 60, 65, 70}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(average_rounds_ties_toward_plus_infinity_around_the_zero_point) {
  // One 2x2 window over 2x2 codes at 4 bits, zero point 8.
  mk::AveragePoolParams p{{2, 2, 1, 2, 2, 2, 2, 0, 0, 0, 0}, 1, {4, 8}};
  auto mean = [&](std::vector<uint8_t> codes) {
    return run_one_channel(p, 4, codes, mk::average_pool_ref, mk::average_pool_fast)[0];
  };
  BOOST_TEST(mean({7, 7, 8, 8}) == 8);   // -0.5 -> 0 (half away from zero would give 7)
  BOOST_TEST(mean({7, 7, 7, 8}) == 7);   // -0.75 -> -1
  BOOST_TEST(mean({9, 9, 8, 8}) == 9);   // +0.5 -> 1
  BOOST_TEST(mean({0, 0, 0, 1}) == 0);  // -7.75 -> -8
}

BOOST_AUTO_TEST_CASE(max_ignores_padding_and_keeps_each_channel) {
  // 2 channels at 2 bits in one byte per pixel; padding must not win even over code 0.
  mk::MaxPoolParams p{{2, 2, 2, 3, 3, 2, 2, 1, 1, 1, 1}, 2};
  const std::vector<uint8_t> codes = {0, 3, 1, 2, 2, 1, 0, 0};  // pixel-major, channel 0 then 1
  std::vector<uint8_t> in(4);
  BOOST_REQUIRE(mk::pack_unsigned_rows(codes.data(), 4, 2, 2, in.data()) == Status::ok);
  uint8_t ref = 0xFF, fast = 0xFF;
  BOOST_REQUIRE(mk::max_pool_ref(p, in.data(), &ref) == Status::ok);
  BOOST_REQUIRE(mk::max_pool_fast(p, in.data(), &fast) == Status::ok);
  BOOST_TEST(ref == fast);
  BOOST_TEST(mk::oracle::unsigned_at(&ref, 0, 2) == 2u);
  BOOST_TEST(mk::oracle::unsigned_at(&ref, 1, 2) == 3u);
  BOOST_TEST((ref >> 4) == 0);  // padding bits zero
}

BOOST_AUTO_TEST_CASE(reference_and_fast_match_an_oracle_on_every_bit_width) {
  mk::testing::CaseRng rng(71);
  int64_t checked = 0;
  for (int32_t bits : {8, 4, 2}) {
    for (int32_t include : {0, 1}) {
      for (int trial = 0; trial < 12; ++trial) {
        mk::PoolGeometry g{rng.range(1, 9), rng.range(1, 9), rng.range(1, 21), rng.range(1, 4), rng.range(1, 4),
                           rng.range(1, 3), rng.range(1, 3), 0, 0, 0, 0};
        g.pad_top = rng.range(0, g.kernel_h - 1);
        g.pad_bottom = rng.range(0, g.kernel_h - 1);
        g.pad_left = rng.range(0, g.kernel_w - 1);
        g.pad_right = rng.range(0, g.kernel_w - 1);
        g.input_h = std::max(g.input_h, g.kernel_h);
        g.input_w = std::max(g.input_w, g.kernel_w);
        const int32_t zp = rng.range(0, (1 << bits) - 1);
        const mk::AveragePoolParams ap{g, include, {bits, zp}};
        const mk::MaxPoolParams mp{g, bits};
        const Sizes o = output_sizes(g);
        auto input = random_vector(rng, mk::activation_bytes(g.input_h, g.input_w, g.channels, bits));
        const size_t out_bytes = static_cast<size_t>(mk::activation_bytes(o.out_h, o.out_w, g.channels, bits));
        std::vector<uint8_t> avg_ref(out_bytes), avg_fast(out_bytes), max_ref(out_bytes), max_fast(out_bytes);
        BOOST_REQUIRE(mk::average_pool_ref(ap, input.data(), avg_ref.data()) == Status::ok);
        BOOST_REQUIRE(mk::average_pool_fast(ap, input.data(), avg_fast.data()) == Status::ok);
        BOOST_REQUIRE(mk::max_pool_ref(mp, input.data(), max_ref.data()) == Status::ok);
        BOOST_REQUIRE(mk::max_pool_fast(mp, input.data(), max_fast.data()) == Status::ok);
        BOOST_TEST(avg_ref == avg_fast);
        BOOST_TEST(max_ref == max_fast);
        BOOST_TEST(padding_bits_are_zero(avg_fast, o.out_h * o.out_w, g.channels, bits));
        BOOST_TEST(padding_bits_are_zero(max_fast, o.out_h * o.out_w, g.channels, bits));
        const int64_t row = mk::oracle::row_bytes(g.channels, bits);
        for (int32_t oy = 0; oy < o.out_h; ++oy)
          for (int32_t ox = 0; ox < o.out_w; ++ox)
            for (int32_t c = 0; c < g.channels; ++c) {
              int64_t sum = 0, inside = 0, best = -1;
              for (int32_t ky = 0; ky < g.kernel_h; ++ky)
                for (int32_t kx = 0; kx < g.kernel_w; ++kx) {
                  const int32_t y = oy * g.stride_h - g.pad_top + ky, x = ox * g.stride_w - g.pad_left + kx;
                  if (y < 0 || y >= g.input_h || x < 0 || x >= g.input_w) continue;
                  const int64_t v = mk::oracle::unsigned_at(input.data() + (y * g.input_w + x) * row, c, bits);
                  sum += v - zp;
                  ++inside;
                  best = std::max(best, v);
                }
              const double n = include ? g.kernel_h * g.kernel_w : static_cast<double>(inside);
              const int64_t want = zp + static_cast<int64_t>(std::floor(static_cast<double>(sum) / n + 0.5));
              const int64_t at = (oy * o.out_w + ox) * row;
              BOOST_TEST(mk::oracle::unsigned_at(avg_ref.data() + at, c, bits) == want);
              BOOST_TEST(mk::oracle::unsigned_at(max_ref.data() + at, c, bits) == best);
              ++checked;
            }
      }
    }
  }
  BOOST_TEST(checked > 1000);
}

BOOST_AUTO_TEST_CASE(bad_arguments_return_their_status) {
  std::vector<uint8_t> in(256), out(256);
  const mk::AveragePoolParams good{{4, 4, 4, 2, 2, 2, 2, 1, 0, 1, 0}, 0, {8, 3}};
  auto average = [&](auto change) {
    mk::AveragePoolParams p = good;
    change(p);
    const Status r = mk::average_pool_ref(p, in.data(), out.data());
    BOOST_TEST(r == mk::average_pool_fast(p, in.data(), out.data()));
    BOOST_TEST(r == mk::average_pool_check(p));
    // The same geometry through max pooling refuses it the same way.
    const mk::MaxPoolParams m{p.geometry, p.activation.bits};
    if (r != Status::bad_zero_point && p.count_include_pad <= 1) {
      BOOST_TEST(mk::max_pool_ref(m, in.data(), out.data()) == r);
      BOOST_TEST(mk::max_pool_fast(m, in.data(), out.data()) == r);
    }
    return r;
  };
  BOOST_TEST(average([](auto&) {}) == Status::ok);
  BOOST_TEST(average([](auto& p) { p.activation.bits = 3; }) == Status::bad_bits);
  BOOST_TEST(average([](auto& p) { p.activation.zero_point = 256; }) == Status::bad_zero_point);
  BOOST_TEST(average([](auto& p) { p.count_include_pad = 2; }) == Status::bad_shape);
  BOOST_TEST(average([](auto& p) { p.geometry.kernel_w = 0; }) == Status::bad_kernel);
  BOOST_TEST(average([](auto& p) { p.geometry.stride_h = 0; }) == Status::bad_stride);
  BOOST_TEST(average([](auto& p) { p.geometry.pad_top = 2; }) == Status::bad_padding);
  BOOST_TEST(average([](auto& p) { p.geometry.pad_right = -1; }) == Status::bad_padding);
  BOOST_TEST(average([](auto& p) { p.geometry.channels = 0; }) == Status::bad_shape);
  BOOST_TEST(average([](auto& p) { p.geometry.input_h = 1; p.geometry.kernel_h = 3; p.geometry.pad_top = 0; })
             == Status::bad_shape);
  BOOST_TEST(average([](auto& p) {
               p.geometry = {300, 300, 1, 257, 256, 1, 1, 0, 0, 0, 0};
             }) == Status::too_deep);
  BOOST_TEST(mk::average_pool_fast(good, nullptr, out.data()) == Status::null_pointer);
  BOOST_TEST(mk::max_pool_ref({good.geometry, 8}, in.data(), nullptr) == Status::null_pointer);
}

BOOST_AUTO_TEST_SUITE_END()
