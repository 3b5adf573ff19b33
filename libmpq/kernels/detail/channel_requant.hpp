#pragma once
// requantize_to_code() with everything that depends only on the output channel worked out
// once: the fast kernels build one per channel and apply it to every accumulator of that
// channel. Bit-exact with requantize_to_code (same arithmetic, tested through the kernels).

#include <cstdint>

#include "libmpq/kernels/detail/dsp.hpp"
#include "libmpq/kernels/requantize.hpp"

namespace mpq::kernels::detail {

// saturate_int32(x * 2^left): the rare path of multipliers >= 1, kept out of the hot loops.
__attribute__((noinline)) inline int32_t shift_left_saturating(int32_t x, int32_t left) {
  const int64_t scaled = static_cast<int64_t>(x) * (int64_t{1} << left);
  return scaled > INT32_MAX ? INT32_MAX
                            : (scaled < INT32_MIN ? INT32_MIN : static_cast<int32_t>(scaled));
}

struct ChannelRequant {
  int32_t bias;        // added (wrapping) before requantization
  int32_t multiplier;
  int32_t left;        // max(shift, 0)
  int32_t right;       // max(-shift, 0)
  int32_t mask;        // 2^right - 1
  int32_t half_mask;   // mask >> 1
  int32_t lo, hi;      // output.min / max minus the zero point
  int32_t zero_point;

  MPQ_ALWAYS_INLINE static ChannelRequant make(int32_t bias, int32_t multiplier, int32_t shift,
                                               int32_t zero_point, int32_t min, int32_t max) {
    ChannelRequant c;
    c.bias = bias;
    c.multiplier = multiplier;
    c.left = shift > 0 ? shift : 0;
    c.right = shift < 0 ? -shift : 0;
    c.mask = static_cast<int32_t>((1u << c.right) - 1u);
    c.half_mask = c.mask >> 1;
    c.lo = min - zero_point;
    c.hi = max - zero_point;
    c.zero_point = zero_point;
    return c;
  }

  MPQ_ALWAYS_INLINE uint32_t code(int32_t acc) const {
    int32_t x = wrapping_add(acc, bias);
    if (__builtin_expect(left > 0, 0)) x = shift_left_saturating(x, left);
    const int32_t high =
        static_cast<int32_t>((static_cast<int64_t>(x) * multiplier + (int64_t{1} << 30)) >> 31);
    const int32_t threshold = half_mask + static_cast<int32_t>(static_cast<uint32_t>(high) >> 31);
    int32_t r = (high >> right) + ((high & mask) > threshold ? 1 : 0);
    r = r < lo ? lo : r;
    r = r > hi ? hi : r;
    return static_cast<uint32_t>(r + zero_point);
  }
};

}  // namespace mpq::kernels::detail
