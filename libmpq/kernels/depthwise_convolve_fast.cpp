// Fast depthwise convolution. Channels go in blocks of one input word (4, 8 or 16 channels
// of 8, 4 or 2 bits), each block in passes of 4 channels. Per output pixel and pass, each
// tap loads the block's input word, takes its pass's lane pair (UXTB16) and multiply-
// accumulates each lane into its own channel's accumulator (SMLABB / SMLATT) against
// weights expanded into the same lane order. Interior pixels read the input in place
// through per-tap offsets; border pixels first copy their window, with zero-point pixels
// for the padding, so one inner loop serves both.
//
// Scratch: expanded weights (16-bit, padded to whole blocks), per-channel requantization
// parameters, the two tap-offset tables, a zero-point pixel and a border window. A layer
// whose expanded weights, parameters and window exceed kDepthwiseChunkBytes (many
// channels, large kernels: MNasNet's 5x5 layers of 1,152 channels) goes in chunks of
// blocks instead, when that takes less scratch and the caller gave less than one chunk
// needs (depthwise_convolve_fast_get_one_chunk_buffer_size): per output row, each chunk's
// weights and parameters are expanded, its channels computed for every pixel of the row
// into a row buffer, and the finished row copied out. The scratch then holds one chunk
// (weights, parameters, border window) and one output row, for out_h expansions instead
// of one. The output is still written in raster order, each row after all its reads, so
// the in-place lag of the one-chunk order still holds (docs/memory-model.md, "In-place
// depthwise").
#include <cstring>

#include "libmpq/kernels/convolve.hpp"
#include "libmpq/kernels/depthwise_convolve.hpp"
#include "libmpq/kernels/detail/channel_requant.hpp"
#include "libmpq/kernels/detail/checks.hpp"
#include "libmpq/kernels/detail/codes.hpp"
#include "libmpq/kernels/detail/depthwise_fast_scratch.hpp"
#include "libmpq/kernels/detail/dsp.hpp"
#include "libmpq/kernels/detail/lanes.hpp"
#include "libmpq/kernels/packing.hpp"
#include "libmpq/kernels/requantize.hpp"

namespace mpq::kernels {

namespace {

using namespace detail;

// clamp(r, lo, hi) of an accumulator that already holds the bias.
template <bool AnyLarge>
MPQ_ALWAYS_INLINE int32_t finish(int32_t acc, const ChannelParams& c, int32_t lo, int32_t hi) {
  if (AnyLarge) return rounding_shift_clamped(acc, c.words, lo, hi);
  const int32_t r = rounding_shift_fast(acc, c.words.multiplier, c.words.round_hi, c.words.round_lo_right);
  return r < lo ? lo : (r > hi ? hi : r);
}

// The code of a full-range output of Bits bits (lo = -zero_point, hi = 2^Bits - 1 -
// zero_point): one USAT after the zero-point add, no data-dependent branches.
// zero_point + r cannot overflow (|r| < 2^30).
template <bool AnyLarge, int Bits>
MPQ_ALWAYS_INLINE uint8_t finish_full_range(int32_t acc, const ChannelParams& c,
                                            int32_t zero_point) {
  const int32_t r = AnyLarge ? rounding_shift(acc, c.words)
                             : rounding_shift_fast(acc, c.words.multiplier, c.words.round_hi,
                                                   c.words.round_lo_right);
  return static_cast<uint8_t>(dsp::usat<Bits>(r + zero_point));
}

// One tap: the block's input word x against the next pair of weight lane words, lane
// pair k.
template <int XB>
MPQ_ALWAYS_INLINE void depthwise_tap(uint32_t x, int32_t k, const uint32_t*& w, int32_t acc[4]) {
  uint32_t x0, x1, w0, w1;
  unsigned_lane_pair<XB>(x, k, x0, x1);
  dsp::load_pair_advance(w, w0, w1);
  acc[0] = dsp::smlabb(x0, w0, acc[0]);
  acc[1] = dsp::smlatt(x0, w0, acc[1]);
  acc[2] = dsp::smlabb(x1, w1, acc[2]);
  acc[3] = dsp::smlatt(x1, w1, acc[3]);
}

// One block (input word b, the chunk's block lb) of one output pixel; its taps are at
// block_base + offsets[t]. For a 3x3 kernel (K3) the taps are read unrolled, row by row:
// tap (ky, kx) at block_base + ky * row_stride + kx * col_stride, which saves the
// offset-table load and the loop test of every tap (a quarter of the tap loop).
template <int XB, bool Partial, bool AnyLarge, bool K3, int FullBits, bool Chunked>
MPQ_ALWAYS_INLINE void depthwise_block(const DepthwiseParams& p, const Plan& g, int32_t b,
                                       const uint8_t* base, const int32_t* offsets,
                                       int32_t row_stride, uint8_t* out, int32_t chunk_first,
                                       int32_t base_block, int32_t chunk_col_stride) {
  using L = Lanes<XB>;
  // One chunk: block b at base + 4 b, the pixel size read where used, as before chunks
  // existed (values held across the pass cost the 8-bit loop registers: 2 to 8 % more
  // instructions on Cortex-M4).
  const uint8_t* block_base = base + 4 * (Chunked ? b - base_block : b);
  const int32_t lb = Chunked ? b - chunk_first : b;  // the block's place in the chunk's scratch
  const int32_t col_stride = Chunked ? chunk_col_stride : g.in_pixel;
  const int32_t valid = g.in_pixel - 4 * b;  // bytes of this word inside the pixel
  const int32_t first = b * L::kValues;
  const int32_t count = Partial ? p.channels - first : L::kValues;
  const int32_t zero_point = p.output.zero_point;
  const int32_t lo = p.output.min - zero_point;
  const int32_t hi = p.output.max - zero_point;
  const uint32_t* w = g.lanes + lb * L::kWords * g.taps;
  const ChannelParams* params = g.params + lb * L::kValues;
  uint8_t* out_block = out + first * p.output.bits / 8;
  const bool direct = p.output.bits == 8 && !Partial;
  uint8_t codes[L::kValues];
#pragma GCC unroll 4
  for (int32_t k = 0; k < L::kWords / 2; ++k, params += 4) {
    int32_t acc[4] = {params[0].bias, params[1].bias, params[2].bias, params[3].bias};
    if constexpr (K3 && !Partial) {
      // Each load waits for the previous tap's multiplies (order_after): left free, GCC
      // loads and unpacks all nine words first and spills them.
      const uint8_t* row = block_base;
      for (int32_t ky = 0; ky < 3; ++ky, row += row_stride) {
        depthwise_tap<XB>(dsp::load32_at(row, 0), k, w, acc);
        dsp::order_after(row, acc[3]);
        depthwise_tap<XB>(dsp::load32_at(row, col_stride), k, w, acc);
        dsp::order_after(row, acc[3]);
        depthwise_tap<XB>(dsp::load32_at_scaled<1>(row, col_stride), k, w, acc);
        dsp::order_after(row, acc[3]);
      }
    } else {
      for (int32_t t = 0; t < g.taps; ++t) {
        const uint8_t* px = block_base + offsets[t];
        depthwise_tap<XB>(Partial ? dsp::load32_partial(px, valid) : dsp::load32(px), k, w, acc);
      }
    }
    for (int32_t j = 0; j < 4; ++j) {
      const int32_t lane = L::kOrder[4 * k + j];
      if (Partial && lane >= count) continue;
      uint8_t code;
      if constexpr (FullBits != 0) {
        code = finish_full_range<AnyLarge, FullBits>(acc[j], params[j], zero_point);
      } else {
        code = static_cast<uint8_t>(finish<AnyLarge>(acc[j], params[j], lo, hi) + zero_point);
      }
      if (direct) {
        out_block[lane] = code;
      } else {
        codes[lane] = code;
      }
    }
  }
  if (!direct) pack_codes(codes, count, p.output.bits, out_block);
}

// Output rows [oy_begin, oy_end) of the chunk's channels; row oy_begin at `output`.
// Without Chunked, the one chunk of every block: the offsets below are then constants (0,
// in_pixel) and the loop is the one the kernel bench measures, unchanged.
// Out of line: inlined into its caller with the others, GCC allocates the 2-bit loop's
// registers worse (8 % more instructions on Cortex-M4).
template <int XB, bool AnyLarge, bool K3, int FullBits, bool Chunked>
__attribute__((noinline)) void depthwise_pixels(const DepthwiseParams& p, const Plan& g, const uint8_t* input,
                      uint8_t* output, Chunk ch, int32_t oy_begin, int32_t oy_end) {
  const int32_t first = Chunked ? ch.first : 0;
  const int32_t end = Chunked ? ch.end : g.blocks;
  const int32_t window_pixel = Chunked ? g.window_pixel : g.in_pixel;
  // Whole blocks end here; a partial last block follows when the chunk holds it.
  const int32_t whole = end < g.blocks ? end : p.channels / Lanes<XB>::kValues;
  const int32_t copy_bytes = g.in_pixel - 4 * first < window_pixel ? g.in_pixel - 4 * first : window_pixel;
  const int32_t oy_first = Chunked ? oy_begin : 0;
  const int32_t oy_last = Chunked ? oy_end : g.out_h;
  for (int32_t oy = oy_first; oy < oy_last; ++oy) {
    const int32_t iy0 = oy * p.stride_h - p.pad_top;
    for (int32_t ox = 0; ox < g.out_w; ++ox) {
      const int32_t ix0 = ox * p.stride_w - p.pad_left;
      const uint8_t* base;
      const int32_t* offsets;
      int32_t row_stride, col_stride, base_block;
      if (iy0 >= 0 && iy0 + p.kernel_h <= p.input_h && ix0 >= 0 && ix0 + p.kernel_w <= p.input_w) {
        base = input + (static_cast<int64_t>(iy0) * p.input_w + ix0) * g.in_pixel;
        offsets = g.interior_offsets;
        row_stride = p.input_w * g.in_pixel;
        col_stride = g.in_pixel;
        base_block = 0;
      } else {
        // The chunk's bytes of each tap pixel, window_pixel apart.
        for (int32_t ky = 0; ky < p.kernel_h; ++ky) {
          for (int32_t kx = 0; kx < p.kernel_w; ++kx) {
            const int32_t iy = iy0 + ky, ix = ix0 + kx;
            const bool inside = iy >= 0 && iy < p.input_h && ix >= 0 && ix < p.input_w;
            std::memcpy(g.window + (ky * p.kernel_w + kx) * window_pixel,
                        inside ? input + (static_cast<int64_t>(iy) * p.input_w + ix) * g.in_pixel + 4 * first
                               : g.zero_pixel,
                        static_cast<size_t>(copy_bytes));
          }
        }
        base = g.window;
        offsets = g.window_offsets;
        row_stride = p.kernel_w * window_pixel;
        col_stride = window_pixel;
        base_block = first;
        // The 3x3 path's loads carry no memory operand: make them depend on the copy.
        dsp::after_stores(base);
      }
      uint8_t* out = output + (static_cast<int64_t>(oy - oy_first) * g.out_w + ox) * g.out_pixel;
      for (int32_t b = first; b < whole; ++b) {
        depthwise_block<XB, false, AnyLarge, K3, FullBits, Chunked>(p, g, b, base, offsets, row_stride, out,
                                                                    first, base_block, col_stride);
      }
      if (whole < end) {
        depthwise_block<XB, true, AnyLarge, K3, FullBits, Chunked>(p, g, whole, base, offsets, row_stride, out,
                                                                   first, base_block, col_stride);
      }
    }
  }
}

// Every row of the layer's one chunk. Layers whose multipliers are all below 1/2 (nearly
// all at 8 and 4 bits) skip the per-output test for the other form.
template <int XB>
void one_chunk_rows(const DepthwiseParams& p, const Plan& g, Chunk ch, bool any_large,
                    const uint8_t* input, uint8_t* output) {
  const bool k3 = p.kernel_h == 3 && p.kernel_w == 3;
  // 3x3 layers whose output has the input's width and its whole code range (no
  // ReLU6-style clip; nearly every layer) clamp with one USAT.
  const bool full = k3 && p.output.bits == XB && p.output.min == 0 &&
                    p.output.max == (1 << XB) - 1;
  if (full) {
    if (any_large) {
      depthwise_pixels<XB, true, true, XB, false>(p, g, input, output, ch, 0, g.out_h);
    } else {
      depthwise_pixels<XB, false, true, XB, false>(p, g, input, output, ch, 0, g.out_h);
    }
  } else if (!k3) {
    // Not 3x3 (no bench or default-model layer): one copy, either requantization form,
    // the one chunked layers take (here with one chunk of all rows).
    depthwise_pixels<XB, true, false, 0, true>(p, g, input, output, ch, 0, g.out_h);
  } else if (any_large) {
    depthwise_pixels<XB, true, true, 0, false>(p, g, input, output, ch, 0, g.out_h);
  } else {
    depthwise_pixels<XB, false, true, 0, false>(p, g, input, output, ch, 0, g.out_h);
  }
}

// One chunk: weights and parameters expanded once, then every output pixel. Several: per
// output row, each chunk expanded and computed into the row buffer, then the row copied
// out, so the output is written in raster order after the row's last read.
template <int XB>
void run(const DepthwiseParams& p, const Plan& g, const uint8_t* input, const uint8_t* weights,
         const int32_t* bias, const int32_t* multiplier, const int32_t* shift, uint8_t* output) {
  if (g.chunk_blocks == g.blocks) {
    const Chunk all{0, g.blocks};
    const bool any_large = expand_chunk<XB>(p, g, all, weights, bias, multiplier, shift);
    one_chunk_rows<XB>(p, g, all, any_large, input, output);
    return;
  }
  // Chunked layers (many channels, a small share of a model's MACs) take one copy of the
  // pixel loop per input width: the tap-offset table for every kernel size, either
  // requantization form, the compare clamp. Less code than the one-chunk variants.
  const int64_t row_bytes = static_cast<int64_t>(g.out_w) * g.out_pixel;
  for (int32_t oy = 0; oy < g.out_h; ++oy) {
    for (int32_t first = 0; first < g.blocks; first += g.chunk_blocks) {
      const Chunk ch{first, first + g.chunk_blocks < g.blocks ? first + g.chunk_blocks : g.blocks};
      expand_chunk<XB>(p, g, ch, weights, bias, multiplier, shift);
      depthwise_pixels<XB, true, false, 0, true>(p, g, input, g.row, ch, oy, oy + 1);
    }
    std::memcpy(output + oy * row_bytes, g.row, static_cast<size_t>(row_bytes));
  }
}

}  // namespace

int32_t depthwise_convolve_fast_get_buffer_size(const DepthwiseParams& p) {
  if (depthwise_convolve_check(p) != Status::ok) return 0;
  return scratch_layout(p, nullptr, nullptr);
}

int32_t depthwise_convolve_fast_get_one_chunk_buffer_size(const DepthwiseParams& p) {
  if (depthwise_convolve_check(p) != Status::ok) return 0;
  return scratch_layout(p, nullptr, nullptr, false);
}

int32_t depthwise_convolve_fast_chunk_blocks(const DepthwiseParams& p) {
  if (depthwise_convolve_check(p) != Status::ok) return 0;
  Plan g;
  scratch_layout(p, nullptr, &g);
  return g.chunk_blocks;
}

Status depthwise_convolve_fast(const DepthwiseParams& p, const uint8_t* input,
                               const uint8_t* weights, const int32_t* bias,
                               const int32_t* multiplier, const int32_t* shift, void* scratch,
                               int32_t scratch_bytes, uint8_t* output) {
  if (input == nullptr || weights == nullptr || output == nullptr) return Status::null_pointer;
  Status s = first_error(depthwise_convolve_check(p), check_requant(multiplier, shift, p.channels));
  if (s != Status::ok) return s;
  // Chunks only when the caller's scratch is short of one chunk's.
  const int32_t one_chunk = scratch_layout(p, nullptr, nullptr, false);
  const bool may_chunk = scratch_bytes < one_chunk;
  s = check_scratch(scratch, scratch_bytes, may_chunk ? scratch_layout(p, nullptr, nullptr) : one_chunk);
  if (s != Status::ok) return s;

  Plan g;
  scratch_layout(p, scratch, &g, may_chunk);
  for (int32_t ky = 0; ky < p.kernel_h; ++ky) {
    for (int32_t kx = 0; kx < p.kernel_w; ++kx) {
      const int32_t t = ky * p.kernel_w + kx;
      g.interior_offsets[t] = (ky * p.input_w + kx) * g.in_pixel;
      g.window_offsets[t] = t * g.window_pixel;
    }
  }
  // Every chunk starts on a block, so one chunk's worth of zero-point codes serves all.
  std::memset(g.zero_pixel, 0, static_cast<size_t>(g.window_pixel));
  const int32_t zero_channels = g.window_pixel * 8 / p.input.bits;
  for (int32_t c = 0; c < p.channels && c < zero_channels; ++c) {
    set_unsigned(g.zero_pixel, c, p.input.bits, static_cast<uint32_t>(p.input.zero_point));
  }
  switch (p.input.bits) {
    case 8: run<8>(p, g, input, weights, bias, multiplier, shift, output); break;
    case 4: run<4>(p, g, input, weights, bias, multiplier, shift, output); break;
    default: run<2>(p, g, input, weights, bias, multiplier, shift, output); break;
  }
  return Status::ok;
}

}  // namespace mpq::kernels
