#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "libmpq/kernels/kernels.hpp"
#include "tests/kernels/test_helpers.hpp"

namespace mk = mpq::kernels;

namespace {
int32_t words(int32_t bytes) { return (bytes + 3) / 4; }
int32_t round4(int32_t n) { return (n + 3) / 4 * 4; }
int32_t row(int32_t count, int32_t bits) { return (count * bits + 7) / 8; }

// depthwise_convolve_fast's scratch as docs/kernels.md writes it: one chunk of all B
// blocks, or n blocks per chunk plus an output row when that is smaller. Sets `chunk`.
int32_t depthwise_formula(const mk::DepthwiseParams& p, int32_t* chunk) {
  const int32_t vx = 32 / p.input.bits, t = p.kernel_h * p.kernel_w, px = row(p.channels, p.input.bits);
  const int32_t b = words(px), e = 2 * vx * t + 16 * vx;
  const int32_t ow = mk::conv_output_size(p.input_w, p.kernel_w, p.stride_w, p.pad_left, p.pad_right);
  const int32_t out_row = ow * row(p.channels, p.output.bits);
  const int32_t one = b * e + 8 * t + round4(px) + round4(t * px);
  const int32_t n = std::max(1, mk::kDepthwiseChunkBytes / (e + 4 * t));
  const int32_t chunked = n * e + 8 * t + round4(4 * n) + round4(4 * t * n) + round4(out_row);
  const bool one_chunk = n >= b || n * e + round4(4 * t * n) + round4(out_row) >= b * e + round4(t * px);
  *chunk = one_chunk ? b : n;
  return one_chunk ? one : chunked;
}
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
  BOOST_TEST(mk::depthwise_convolve_fast_chunk_blocks(dw64) == 16);  // one chunk: 16 words
  mk::PointwiseParams pw64{32, 32, 64, 64, {8, 0}, 8, mk::full_range_output(8, 0)};
  BOOST_TEST(mk::pointwise_convolve_fast_get_buffer_size(pw64) == 576);
}

// Layers with many channels: the fast depthwise kernel holds one chunk of channels and
// an output row instead of all channels' expanded weights, whenever that is smaller.
BOOST_AUTO_TEST_CASE(depthwise_scratch_follows_the_chunked_formula) {
  int chunked = 0;
  for (int32_t xb : {8, 4, 2})
    for (int32_t ob : {8, 4, 2})
      for (int32_t k : {3, 5})
        for (int32_t c : {1, 17, 64, 96, 100, 250, 576, 1152})
          for (int32_t w : {1, 7, 56}) {
            mk::DepthwiseParams p{7, w, c, k, k, 1, 1, k / 2, k / 2, k / 2, k / 2, {xb, 0}, 4, mk::full_range_output(ob, 0)};
            int32_t chunk = 0;
            const int32_t want = depthwise_formula(p, &chunk);
            BOOST_TEST(mk::depthwise_convolve_fast_get_buffer_size(p) == want, xb << "/" << ob << " k" << k << " c" << c << " w" << w);
            BOOST_TEST(mk::depthwise_convolve_fast_chunk_blocks(p) == chunk, xb << "/" << ob << " k" << k << " c" << c << " w" << w);
            // The one-chunk scratch: every block at once, no row buffer.
            const int32_t b = words(row(c, xb)), px = row(c, xb), t = k * k;
            const int32_t one = b * (32 / xb) * (2 * t + 16) + 8 * t + round4(px) + round4(t * px);
            BOOST_TEST(mk::depthwise_convolve_fast_get_one_chunk_buffer_size(p) == one, xb << "/" << ob << " k" << k << " c" << c << " w" << w);
            chunked += chunk < words(row(c, xb)) ? 1 : 0;
          }
  BOOST_TEST(chunked > 50);  // the sweep reaches both forms

  // MNasNet's layers.12.2.layers.3 at 4 bits (5x5, 7x7x1152, pad 2), the model's RAM peak
  // while its fast kernel expanded every channel: 144 blocks of 8 channels at
  // 2*8*25 + 16*8 = 528 bytes of weights and parameters, 100 of window each; chunks of
  // 4096 / 628 = 6 blocks, and a 7 x 576-byte output row.
  mk::DepthwiseParams mnas{7, 7, 1152, 5, 5, 1, 1, 2, 2, 2, 2, {4, 0}, 4, mk::full_range_output(4, 0)};
  const int32_t whole = 144 * 528 + 8 * 25 + 576 + 25 * 576;  // 91,208 B: one chunk
  const int32_t chunk = 6 * 528 + 8 * 25 + 24 + 25 * 24 + 7 * 576;
  BOOST_TEST(whole == 91208);
  BOOST_TEST(mk::depthwise_convolve_fast_chunk_blocks(mnas) == 6);
  BOOST_TEST(mk::depthwise_convolve_fast_get_buffer_size(mnas) == chunk);
  BOOST_TEST(mk::depthwise_convolve_fast_get_one_chunk_buffer_size(mnas) == whole);
  // Bounded by the chunk budget, the tables, the chunk's zero-point pixel and the row.
  BOOST_TEST(mk::depthwise_convolve_fast_get_buffer_size(mnas) <= mk::kDepthwiseChunkBytes + 8 * 25 + 24 + 7 * 576);
}

BOOST_AUTO_TEST_SUITE_END()
