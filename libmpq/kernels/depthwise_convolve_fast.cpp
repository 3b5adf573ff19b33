// Fast depthwise convolution. Channels go in blocks of one or two input words (8 channels
// of 8 or 4 bits, 16 of 2 bits); per output pixel and block, each tap loads the block's
// input word(s), splits them into 16-bit lanes (UXTB16) and multiply-accumulates each lane
// into its own channel's accumulator (SMLABB / SMLATT) against weights expanded once per
// call into the same lane order. Interior pixels read the input in place through per-tap
// offsets; border pixels first copy their window, with zero-point pixels for the padding,
// so one inner loop serves both.
//
// Scratch: expanded weights (16-bit, padded to whole blocks), the two tap-offset tables, a
// zero-point pixel and a border window.
#include <cstring>

#include "libmpq/kernels/convolve.hpp"
#include "libmpq/kernels/depthwise_convolve.hpp"
#include "libmpq/kernels/detail/checks.hpp"
#include "libmpq/kernels/detail/codes.hpp"
#include "libmpq/kernels/detail/dsp.hpp"
#include "libmpq/kernels/detail/lanes.hpp"
#include "libmpq/kernels/packing.hpp"
#include "libmpq/kernels/requantize.hpp"

namespace mpq::kernels {

namespace {

using namespace detail;

// A block of channels per input bit width: its bytes in a pixel, and the channel held by
// each of the 8 accumulators of each pass (the lane order of the unpacking below).
template <int XB>
struct Block;
template <>
struct Block<8> {
  static constexpr int32_t kChannels = 8, kBytes = 8, kPasses = 1;
  static constexpr int8_t kOrder[1][8] = {{0, 2, 1, 3, 4, 6, 5, 7}};
};
template <>
struct Block<4> {
  static constexpr int32_t kChannels = 8, kBytes = 4, kPasses = 1;
  static constexpr int8_t kOrder[1][8] = {{0, 4, 2, 6, 1, 5, 3, 7}};
};
template <>
struct Block<2> {
  static constexpr int32_t kChannels = 16, kBytes = 4, kPasses = 2;
  static constexpr int8_t kOrder[2][8] = {{0, 8, 4, 12, 1, 9, 5, 13}, {2, 10, 6, 14, 3, 11, 7, 15}};
};

constexpr int32_t round4(int32_t n) { return (n + 3) & ~3; }

// The four lane words of pass `pass` of the block at px. Partial blocks (the last of a
// pixel) read only their `valid` bytes.
template <int XB, bool Partial>
MPQ_ALWAYS_INLINE uint32_t block_word(const uint8_t* px, int32_t valid) {
  return Partial ? dsp::load32_partial(px, valid) : dsp::load32(px);
}
template <int XB, bool Partial>
MPQ_ALWAYS_INLINE void block_lanes(const uint8_t* px, int32_t valid, int32_t pass, uint32_t* out) {
  if constexpr (XB == 8) {
    const uint32_t a = block_word<XB, Partial>(px, valid);
    const uint32_t b = (!Partial || valid > 4) ? block_word<XB, Partial>(px + 4, valid - 4) : 0u;
    out[0] = dsp::uxtb16(a);
    out[1] = dsp::uxtb16_ror8(a);
    out[2] = dsp::uxtb16(b);
    out[3] = dsp::uxtb16_ror8(b);
  } else if constexpr (XB == 4) {
    unpack_unsigned<4>(block_word<XB, Partial>(px, valid), out);
  } else {
    const uint32_t x = block_word<XB, Partial>(px, valid) >> (4 * pass);
    const uint32_t k0 = x & 0x03030303u, k1 = (x >> 2) & 0x03030303u;
    out[0] = dsp::uxtb16(k0);
    out[1] = dsp::uxtb16_ror8(k0);
    out[2] = dsp::uxtb16(k1);
    out[3] = dsp::uxtb16_ror8(k1);
  }
}

struct Plan {
  int32_t out_h, out_w, taps;
  int32_t in_pixel, out_pixel, w_tap;
  int32_t blocks;  // whole and partial
  // scratch regions
  uint32_t* lanes;  // [block][pass][tap][4] weight lane words
  int32_t* interior_offsets;
  int32_t* window_offsets;
  uint8_t* zero_pixel;
  uint8_t* window;
};

template <int XB>
int32_t lane_bytes(int32_t blocks, int32_t taps) {
  return blocks * Block<XB>::kPasses * taps * 16;
}

int32_t scratch_layout(const DepthwiseParams& p, void* scratch, Plan* plan) {
  Plan g;
  g.out_h = conv_output_size(p.input_h, p.kernel_h, p.stride_h, p.pad_top, p.pad_bottom);
  g.out_w = conv_output_size(p.input_w, p.kernel_w, p.stride_w, p.pad_left, p.pad_right);
  g.taps = p.kernel_h * p.kernel_w;
  g.in_pixel = packed_row_bytes(p.channels, p.input.bits);
  g.out_pixel = packed_row_bytes(p.channels, p.output.bits);
  g.w_tap = packed_row_bytes(p.channels, p.weight_bits);
  const int32_t block_channels = p.input.bits == 2 ? 16 : 8;
  g.blocks = (p.channels + block_channels - 1) / block_channels;
  const int32_t lanes = p.input.bits == 8   ? lane_bytes<8>(g.blocks, g.taps)
                        : p.input.bits == 4 ? lane_bytes<4>(g.blocks, g.taps)
                                            : lane_bytes<2>(g.blocks, g.taps);
  uint8_t* base = static_cast<uint8_t*>(scratch);
  int32_t at = 0;
  g.lanes = reinterpret_cast<uint32_t*>(base + at);
  at += lanes;
  g.interior_offsets = reinterpret_cast<int32_t*>(base + at);
  at += 4 * g.taps;
  g.window_offsets = reinterpret_cast<int32_t*>(base + at);
  at += 4 * g.taps;
  g.zero_pixel = base + at;
  at += round4(g.in_pixel);
  g.window = base + at;
  at += round4(g.taps * g.in_pixel);
  if (plan != nullptr) *plan = g;
  return at;
}

template <int XB>
void expand_weights(const DepthwiseParams& p, const Plan& g, const uint8_t* weights) {
  using B = Block<XB>;
  uint32_t* out = g.lanes;
  for (int32_t b = 0; b < g.blocks; ++b) {
    for (int32_t pass = 0; pass < B::kPasses; ++pass) {
      for (int32_t t = 0; t < g.taps; ++t) {
        const uint8_t* row = weights + static_cast<int64_t>(t) * g.w_tap;
        for (int32_t k = 0; k < 8; k += 2) {
          const int32_t c0 = b * B::kChannels + B::kOrder[pass][k];
          const int32_t c1 = b * B::kChannels + B::kOrder[pass][k + 1];
          const int32_t w0 = c0 < p.channels ? get_signed(row, c0, p.weight_bits) : 0;
          const int32_t w1 = c1 < p.channels ? get_signed(row, c1, p.weight_bits) : 0;
          *out++ = (static_cast<uint32_t>(w0) & 0xFFFFu) | (static_cast<uint32_t>(w1) << 16);
        }
      }
    }
  }
}

struct Requant {
  const int32_t* bias;
  const int32_t* multiplier;
  const int32_t* shift;
  OutputFormat output;
};

// One block of channels of one output pixel; its taps are at base + offsets[t].
template <int XB, bool Partial>
MPQ_ALWAYS_INLINE void depthwise_block(const DepthwiseParams& p, const Plan& g, int32_t b,
                                       const uint8_t* base, const int32_t* offsets,
                                       const Requant& rq, uint8_t* out) {
  using B = Block<XB>;
  const uint8_t* block_base = base + b * B::kBytes;
  const int32_t valid = g.in_pixel - b * B::kBytes;
  const int32_t first = b * B::kChannels;
  const int32_t count = Partial ? p.channels - first : B::kChannels;
  uint8_t codes[B::kChannels] = {};
  for (int32_t pass = 0; pass < B::kPasses; ++pass) {
    const uint32_t* w = g.lanes + (b * B::kPasses + pass) * g.taps * 4;
    int32_t acc[8] = {};
    for (int32_t t = 0; t < g.taps; ++t, w += 4) {
      uint32_t x[4];
      block_lanes<XB, Partial>(block_base + offsets[t], valid, pass, x);
      for (int32_t j = 0; j < 4; ++j) {
        acc[2 * j] = dsp::smlabb(x[j], w[j], acc[2 * j]);
        acc[2 * j + 1] = dsp::smlatt(x[j], w[j], acc[2 * j + 1]);
      }
    }
    for (int32_t k = 0; k < 8; ++k) {
      const int32_t lane = B::kOrder[pass][k];
      if (Partial && lane >= count) continue;
      const int32_t c = first + lane;
      codes[lane] = static_cast<uint8_t>(requantize_to_code(
          wrapping_add(acc[k], rq.bias != nullptr ? rq.bias[c] : 0), rq.multiplier[c],
          rq.shift[c], rq.output.zero_point, rq.output.min, rq.output.max));
    }
  }
  pack_codes(codes, count, p.output.bits, out + first * p.output.bits / 8);
}

template <int XB>
void depthwise_pixels(const DepthwiseParams& p, const Plan& g, const uint8_t* input,
                      const Requant& rq, uint8_t* output) {
  const int32_t whole = p.channels / Block<XB>::kChannels;
  for (int32_t oy = 0; oy < g.out_h; ++oy) {
    const int32_t iy0 = oy * p.stride_h - p.pad_top;
    for (int32_t ox = 0; ox < g.out_w; ++ox) {
      const int32_t ix0 = ox * p.stride_w - p.pad_left;
      const uint8_t* base;
      const int32_t* offsets;
      if (iy0 >= 0 && iy0 + p.kernel_h <= p.input_h && ix0 >= 0 && ix0 + p.kernel_w <= p.input_w) {
        base = input + (static_cast<int64_t>(iy0) * p.input_w + ix0) * g.in_pixel;
        offsets = g.interior_offsets;
      } else {
        for (int32_t ky = 0; ky < p.kernel_h; ++ky) {
          for (int32_t kx = 0; kx < p.kernel_w; ++kx) {
            const int32_t iy = iy0 + ky, ix = ix0 + kx;
            const bool inside = iy >= 0 && iy < p.input_h && ix >= 0 && ix < p.input_w;
            std::memcpy(g.window + (ky * p.kernel_w + kx) * g.in_pixel,
                        inside ? input + (static_cast<int64_t>(iy) * p.input_w + ix) * g.in_pixel
                               : g.zero_pixel,
                        static_cast<size_t>(g.in_pixel));
          }
        }
        base = g.window;
        offsets = g.window_offsets;
      }
      uint8_t* out = output + (static_cast<int64_t>(oy) * g.out_w + ox) * g.out_pixel;
      for (int32_t b = 0; b < whole; ++b) depthwise_block<XB, false>(p, g, b, base, offsets, rq, out);
      if (whole < g.blocks) depthwise_block<XB, true>(p, g, whole, base, offsets, rq, out);
    }
  }
}

template <int XB>
void run(const DepthwiseParams& p, const Plan& g, const uint8_t* input, const uint8_t* weights,
         const Requant& rq, uint8_t* output) {
  expand_weights<XB>(p, g, weights);
  depthwise_pixels<XB>(p, g, input, rq, output);
}

}  // namespace

int32_t depthwise_convolve_fast_get_buffer_size(const DepthwiseParams& p) {
  if (depthwise_convolve_check(p) != Status::ok) return 0;
  return scratch_layout(p, nullptr, nullptr);
}

Status depthwise_convolve_fast(const DepthwiseParams& p, const uint8_t* input,
                               const uint8_t* weights, const int32_t* bias,
                               const int32_t* multiplier, const int32_t* shift, void* scratch,
                               int32_t scratch_bytes, uint8_t* output) {
  if (input == nullptr || weights == nullptr || output == nullptr) return Status::null_pointer;
  Status s = first_error(depthwise_convolve_check(p), check_requant(multiplier, shift, p.channels));
  if (s != Status::ok) return s;
  s = check_scratch(scratch, scratch_bytes, depthwise_convolve_fast_get_buffer_size(p));
  if (s != Status::ok) return s;

  Plan g;
  scratch_layout(p, scratch, &g);
  for (int32_t ky = 0; ky < p.kernel_h; ++ky) {
    for (int32_t kx = 0; kx < p.kernel_w; ++kx) {
      const int32_t t = ky * p.kernel_w + kx;
      g.interior_offsets[t] = (ky * p.input_w + kx) * g.in_pixel;
      g.window_offsets[t] = t * g.in_pixel;
    }
  }
  std::memset(g.zero_pixel, 0, static_cast<size_t>(g.in_pixel));
  for (int32_t c = 0; c < p.channels; ++c) {
    set_unsigned(g.zero_pixel, c, p.input.bits, static_cast<uint32_t>(p.input.zero_point));
  }
  const Requant rq{bias, multiplier, shift, p.output};
  switch (p.input.bits) {
    case 8: run<8>(p, g, input, weights, rq, output); break;
    case 4: run<4>(p, g, input, weights, rq, output); break;
    default: run<2>(p, g, input, weights, rq, output); break;
  }
  return Status::ok;
}

}  // namespace mpq::kernels
