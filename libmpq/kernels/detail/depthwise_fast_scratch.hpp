// The fast depthwise kernel's scratch (docs/kernels.md, "Scratch sizes"): its layout,
// one chunk or several, and the expansion of a chunk's weights and per-channel
// requantization parameters into the lane order its inner loops read. Only
// depthwise_convolve_fast.cpp includes it; a header of its own so that the kernel file
// holds the pixel loops alone.
#pragma once

#include <cstdint>

#include "libmpq/kernels/convolve.hpp"
#include "libmpq/kernels/depthwise_convolve.hpp"
#include "libmpq/kernels/detail/channel_requant.hpp"
#include "libmpq/kernels/detail/codes.hpp"
#include "libmpq/kernels/detail/dsp.hpp"
#include "libmpq/kernels/detail/lanes.hpp"
#include "libmpq/kernels/packing.hpp"
#include "libmpq/kernels/quant_params.hpp"

namespace mpq::kernels::detail {

constexpr int32_t round4(int32_t n) { return (n + 3) & ~3; }

// Per-channel requantization parameters, worked out once per chunk (channel_requant.hpp):
// once per call for a layer of one chunk, once per output row and chunk otherwise.
struct ChannelParams {
  int32_t bias;
  RoundingWords words;
};

struct Plan {
  int32_t out_h, out_w, taps;
  int32_t in_pixel, out_pixel, w_tap;
  int32_t blocks;  // input words per pixel: whole blocks plus a partial one
  int32_t chunk_blocks;  // blocks per chunk: `blocks` when the layer runs as one chunk
  int32_t window_pixel;  // bytes per tap in the border window and the zero-point pixel
  // scratch regions
  uint32_t* lanes;  // [block][pass][tap][2] weight lane words
  ChannelParams* params;  // in lane order: [block][lane position], as the accumulators
  int32_t* interior_offsets;
  int32_t* window_offsets;
  uint8_t* zero_pixel;
  uint8_t* window;
  uint8_t* row;  // one output row; chunked layers only
};

// The blocks [first, end) of one chunk; `end` is `blocks` for the last, whose final block
// may be partial.
struct Chunk {
  int32_t first, end;
};

// The size query passes no scratch: offsets are summed as integers and turned into
// pointers only for a real scratch (arithmetic on a null pointer is undefined). With
// `may_chunk` false the layer runs as one chunk whatever its size (the scratch
// depthwise_convolve_fast_get_one_chunk_buffer_size asks for).
inline int32_t scratch_layout(const DepthwiseParams& p, void* scratch, Plan* plan, bool may_chunk = true) {
  Plan g{};
  g.out_h = conv_output_size(p.input_h, p.kernel_h, p.stride_h, p.pad_top, p.pad_bottom);
  g.out_w = conv_output_size(p.input_w, p.kernel_w, p.stride_w, p.pad_left, p.pad_right);
  g.taps = p.kernel_h * p.kernel_w;
  g.in_pixel = packed_row_bytes(p.channels, p.input.bits);
  g.out_pixel = packed_row_bytes(p.channels, p.output.bits);
  g.w_tap = packed_row_bytes(p.channels, p.weight_bits);
  g.blocks = (g.in_pixel + 3) / 4;
  // Per block: weights (two bytes per channel slot and tap), parameters, border window.
  const int32_t slots = 32 / p.input.bits;
  const int32_t block_bytes = slots * g.taps * 2 + static_cast<int32_t>(sizeof(ChannelParams)) * slots;
  const int32_t whole_layer = g.blocks * block_bytes + round4(g.taps * g.in_pixel);
  int32_t chunk = kDepthwiseChunkBytes / (block_bytes + 4 * g.taps);
  if (chunk < 1) chunk = 1;
  const int32_t chunked = chunk * block_bytes + round4(g.taps * 4 * chunk) + round4(g.out_w * g.out_pixel);
  // Chunks only where they take less scratch than one chunk does (the row buffer is extra).
  const bool one_chunk = !may_chunk || chunk >= g.blocks || chunked >= whole_layer;
  g.chunk_blocks = one_chunk ? g.blocks : chunk;
  g.window_pixel = one_chunk ? g.in_pixel : 4 * chunk;
  const int32_t lanes_at = 0;
  const int32_t params_at = lanes_at + g.chunk_blocks * slots * g.taps * 2;
  const int32_t interior_at = params_at + static_cast<int32_t>(sizeof(ChannelParams)) * g.chunk_blocks * slots;
  const int32_t window_offsets_at = interior_at + 4 * g.taps;
  const int32_t zero_pixel_at = window_offsets_at + 4 * g.taps;
  const int32_t window_at = zero_pixel_at + round4(g.window_pixel);
  const int32_t row_at = window_at + round4(g.taps * g.window_pixel);
  const int32_t end = row_at + (one_chunk ? 0 : round4(g.out_w * g.out_pixel));
  if (scratch != nullptr) {
    uint8_t* base = static_cast<uint8_t*>(scratch);
    g.lanes = reinterpret_cast<uint32_t*>(base + lanes_at);
    g.params = reinterpret_cast<ChannelParams*>(base + params_at);
    g.interior_offsets = reinterpret_cast<int32_t*>(base + interior_at);
    g.window_offsets = reinterpret_cast<int32_t*>(base + window_offsets_at);
    g.zero_pixel = base + zero_pixel_at;
    g.window = base + window_at;
    g.row = one_chunk ? nullptr : base + row_at;
  }
  if (plan != nullptr) *plan = g;
  return end;
}
static_assert(sizeof(ChannelParams) == 16, "the scratch size formula counts 16 bytes per channel");

// Weights first .. first + n - 1 of a packed tap row, in channel order (shifts by
// constants).
template <int WB>
MPQ_ALWAYS_INLINE void unpack_weights(const uint8_t* row, int32_t first, int32_t n, int32_t* w) {
  for (int32_t i = 0; i < n; ++i) w[i] = get_weight(row, first + i, WB);
}

// The chunk's weights in lane order, [block][pass][tap][2] words. Each tap's weights of a
// block are unpacked once, in channel order, then stored in lane order: chunked layers
// expand once per output row, so this is not cold.
template <int XB>
void expand_weights(const DepthwiseParams& p, const Plan& g, Chunk ch, const uint8_t* weights) {
  using L = Lanes<XB>;
  for (int32_t b = ch.first; b < ch.end; ++b) {
    const int32_t first = b * L::kValues;
    const int32_t count = p.channels - first < L::kValues ? p.channels - first : L::kValues;
    uint32_t* block = g.lanes + (b - ch.first) * L::kWords * g.taps;
    int32_t w[L::kValues] = {};  // channels past the last stay 0
    for (int32_t t = 0; t < g.taps; ++t) {
      const uint8_t* row = weights + static_cast<int64_t>(t) * g.w_tap;
      switch (p.weight_bits) {
        case 8: unpack_weights<8>(row, first, count, w); break;
        case 4: unpack_weights<4>(row, first, count, w); break;
        default: unpack_weights<2>(row, first, count, w); break;
      }
      for (int32_t k = 0; k < L::kWords / 2; ++k) {
        for (int32_t j = 0; j < 4; j += 2) {
          const uint32_t w0 = static_cast<uint32_t>(w[L::kOrder[4 * k + j]]);
          const uint32_t w1 = static_cast<uint32_t>(w[L::kOrder[4 * k + j + 1]]);
          block[(k * g.taps + t) * 2 + j / 2] = (w0 & 0xFFFFu) | (w1 << 16);
        }
      }
    }
  }
}

// The chunk's weights and requantization parameters in lane order. True when a channel's
// multiplier is 1/2 or more (the slower rounding form).
template <int XB>
bool expand_chunk(const DepthwiseParams& p, const Plan& g, Chunk ch, const uint8_t* weights,
                  const int32_t* bias, const int32_t* multiplier, const int32_t* shift) {
  using L = Lanes<XB>;
  expand_weights<XB>(p, g, ch, weights);
  bool any_large = false;
  ChannelParams* cp = g.params;
  for (int32_t b = ch.first; b < ch.end; ++b) {
    for (int32_t i = 0; i < L::kValues; ++i, ++cp) {
      const int32_t c = b * L::kValues + L::kOrder[i];
      if (c >= p.channels) {
        *cp = ChannelParams{0, RoundingWords{0, 0, 0}};
        continue;
      }
      *cp = ChannelParams{bias != nullptr ? bias[c] : 0, rounding_words(multiplier[c], shift[c])};
      any_large = any_large || cp->words.round_hi < 0;
    }
  }
  return any_large;
}

}  // namespace mpq::kernels::detail
