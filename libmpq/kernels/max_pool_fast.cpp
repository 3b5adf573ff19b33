// Fast max pooling: the output keeps the input's bits, so whole 32-bit words of packed
// codes are compared at once, every b-bit value in its own lane (SWAR, the same portable
// code on every core), and written back as they are.
#include "libmpq/kernels/convolve.hpp"
#include "libmpq/kernels/detail/dsp.hpp"
#include "libmpq/kernels/detail/pool_window.hpp"
#include "libmpq/kernels/max_pool.hpp"
#include "libmpq/kernels/packing.hpp"

namespace mpq::kernels {

namespace {

using namespace detail;

// The lane-wise maximum of two words of b-bit unsigned values. Even and odd lanes are
// compared apart, so that each value has b free bits above it: there a guard bit makes
// (guard + x - y) non-negative, and the guard survives exactly when x >= y.
template <int B>
MPQ_ALWAYS_INLINE uint32_t max_lanes(uint32_t a, uint32_t b) {
  constexpr uint32_t kEven = B == 8 ? 0x00FF00FFu : (B == 4 ? 0x0F0F0F0Fu : 0x33333333u);
  constexpr uint32_t kGuard = (kEven & ~(kEven << 1)) << B;  // bit b of each even pair
  constexpr uint32_t kFill = (1u << B) - 1u;
  const auto half = [](uint32_t x, uint32_t y) {
    const uint32_t ge = ((x | kGuard) - y) & kGuard;
    return y ^ ((x ^ y) & ((ge >> B) * kFill));
  };
  return half(a & kEven, b & kEven) | (half((a >> B) & kEven, (b >> B) & kEven) << B);
}

template <int B>
void pool(const MaxPoolParams& p, uint8_t* output, const uint8_t* input) {
  const PoolGeometry& g = p.geometry;
  const int32_t out_h = conv_output_size(g.input_h, g.kernel_h, g.stride_h, g.pad_top, g.pad_bottom);
  const int32_t out_w = conv_output_size(g.input_w, g.kernel_w, g.stride_w, g.pad_left, g.pad_right);
  const int32_t row = packed_row_bytes(g.channels, B);
  const int32_t used_bits = (g.channels * B) % 8;  // of the row's last byte; 0: all
  for (int32_t oy = 0; oy < out_h; ++oy) {
    const AxisWindow ys = axis_window(oy, g.stride_h, g.pad_top, g.kernel_h, g.input_h);
    for (int32_t ox = 0; ox < out_w; ++ox) {
      const AxisWindow xs = axis_window(ox, g.stride_w, g.pad_left, g.kernel_w, g.input_w);
      uint8_t* out = output + static_cast<int64_t>(oy * out_w + ox) * row;
      for (int32_t at = 0; at < row; at += 4) {
        const int32_t valid = row - at < 4 ? row - at : 4;
        uint32_t best = 0;
        for (int32_t y = ys.begin; y < ys.end; ++y) {
          const uint8_t* px = input + static_cast<int64_t>(y * g.input_w + xs.begin) * row + at;
          for (int32_t x = xs.begin; x < xs.end; ++x, px += row) {
            best = max_lanes<B>(best, dsp::load32_partial(px, valid));
          }
        }
        if (valid == 4) {
          dsp::store32(out + at, best);
        } else {
          for (int32_t k = 0; k < valid; ++k) out[at + k] = static_cast<uint8_t>(best >> (8 * k));
        }
      }
      if (used_bits != 0) out[row - 1] = static_cast<uint8_t>(out[row - 1] & ((1u << used_bits) - 1u));
    }
  }
}

}  // namespace

template <int B>
Status max_pool_fast_bits(const MaxPoolParams& p, const uint8_t* input, uint8_t* output) {
  if (input == nullptr || output == nullptr) return Status::null_pointer;
  const Status s = max_pool_check(p);
  if (s != Status::ok) return s;
  if (p.bits != B) return Status::bad_bits;  // only the generic entry dispatches
  pool<B>(p, output, input);
  return Status::ok;
}

template Status max_pool_fast_bits<8>(const MaxPoolParams& p, const uint8_t* input, uint8_t* output);
template Status max_pool_fast_bits<4>(const MaxPoolParams& p, const uint8_t* input, uint8_t* output);
template Status max_pool_fast_bits<2>(const MaxPoolParams& p, const uint8_t* input, uint8_t* output);

Status max_pool_fast(const MaxPoolParams& p, const uint8_t* input, uint8_t* output) {
  switch (p.bits) {
    case 8: return max_pool_fast_bits<8>(p, input, output);
    case 4: return max_pool_fast_bits<4>(p, input, output);
    default: return max_pool_fast_bits<2>(p, input, output);  // other widths: its check refuses them
  }
}

}  // namespace mpq::kernels
