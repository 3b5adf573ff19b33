#include <boost/test/unit_test.hpp>

#include "libmpq/kernels/kernels.hpp"
#include "tests/kernels/test_helpers.hpp"

namespace mk = mpq::kernels;

namespace {
int32_t words(int32_t bytes) { return (bytes + 3) / 4; }
int32_t round4(int32_t n) { return (n + 3) / 4 * 4; }
int32_t row(int32_t count, int32_t bits) { return (count * bits + 7) / 8; }
}  // namespace

// The formulas of docs/kernels.md ("Scratch sizes"), which the memory model relies on.
BOOST_AUTO_TEST_SUITE(scratch_sizes)

BOOST_AUTO_TEST_CASE(follow_the_documented_formulas) {
  for (int32_t xb : {8, 4, 2}) {
    for (int32_t wb : {8, 4, 2}) {
      const int32_t v = 32 / wb;
      for (int32_t c : {1, 3, 16, 17, 64}) {
        mk::ConvParams conv{7, 6, c, 5, 3, 2, 2, 1, 1, 0, 1, 1, {xb, 0}, wb, mk::full_range_output(8, 0)};
        BOOST_TEST(mk::convolve_fast_get_buffer_size(conv) == 9 * v * words(3 * 2 * row(c, wb)) + 16 * 5);
        mk::PointwiseParams pw{4, 4, c, 9, {xb, 0}, wb, mk::full_range_output(4, 0)};
        BOOST_TEST(mk::pointwise_convolve_fast_get_buffer_size(pw) == 9 * v * words(row(c, wb)));
        mk::FullyConnectedParams fc{c, 10, {xb, 0}, wb, mk::full_range_output(2, 0)};
        BOOST_TEST(mk::fully_connected_fast_get_buffer_size(fc) == 3 * v * words(row(c, wb)));
        mk::DepthwiseParams dw{8, 8, c, 3, 3, 1, 1, 1, 1, 1, 1, {xb, 0}, wb, mk::full_range_output(8, 0)};
        const int32_t b = words(row(c, xb)), vx = 32 / xb, t = 9, px = row(c, xb);
        BOOST_TEST(mk::depthwise_convolve_fast_get_buffer_size(dw) ==
                   2 * b * vx * t + 16 * b * vx + 8 * t + round4(px) + round4(t * px));
      }
    }
  }
  mk::DepthwiseParams dw64{32, 32, 64, 3, 3, 1, 1, 1, 1, 1, 1, {8, 0}, 8, mk::full_range_output(8, 0)};
  BOOST_TEST(mk::depthwise_convolve_fast_get_buffer_size(dw64) == 2888);
  mk::PointwiseParams pw64{32, 32, 64, 64, {8, 0}, 8, mk::full_range_output(8, 0)};
  BOOST_TEST(mk::pointwise_convolve_fast_get_buffer_size(pw64) == 576);
}

BOOST_AUTO_TEST_SUITE_END()
