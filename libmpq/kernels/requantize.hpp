#pragma once
// Integer-only requantization, the same arithmetic on every target: one 64-bit product,
// rounded once (docs/architecture.md: y = clamp(z_out + rounding_shift(acc * M0, n), lo, hi)).
//
// A real multiplier m > 0 is represented as m ~= multiplier * 2^(shift - 31) with
// multiplier in [2^30, 2^31 - 1] (0 encodes m = 0) and shift in [-31, 30]
// (quantize_multiplier() computes them). For an int32 accumulator `acc`, with
// total = 31 - shift in [1, 62]:
//
//   r = floor((acc * multiplier + 2^(total - 1)) / 2^total)   acc * m rounded to nearest,
//                                                             ties toward +infinity
//   y = clamp(zero_point + r, min, max)                       computed without overflow
//
// The product is exact in 64 bits (|acc| <= 2^31, 0 <= multiplier < 2^31) and so is the
// sum (|r| < 2^61), for every valid (multiplier, shift), left shifts (shift > 0) included:
// there is no intermediate rounding and nothing saturates before the clamp. Rounding once
// is what keeps the integer path equal to the fake-quant model at 2 and 4 bits, where
// accumulators are small: gemmlowp's doubling high multiply followed by a rounding right
// shift rounds twice (acc = 23, m = 0.1468 = 0.5872 * 2^-2: 23 * 0.5872 = 13.5 -> 14,
// then 14 / 4 = 3.5 -> 4, where 23 * m = 3.38 -> 3).

#include <cstdint>

namespace mpq::kernels {

constexpr int32_t kMinShift = -31;
constexpr int32_t kMaxShift = 30;

// The largest number of multiply-accumulates summed into one int32 accumulator: with
// unsigned 8-bit inputs and weights >= -128, 65536 * 255 * 128 < 2^31, so no kernel's
// accumulator (before the bias is added) can overflow.
constexpr int32_t kMaxReductionDepth = 65536;

constexpr bool is_valid_requant(int32_t multiplier, int32_t shift) {
  return multiplier >= 0 && shift >= kMinShift && shift <= kMaxShift;
}

// r of the formula above, exact. Requires is_valid_requant(multiplier, shift).
inline int64_t requantize_exact(int32_t acc, int32_t multiplier, int32_t shift) {
  const int32_t total = 31 - shift;
  return (static_cast<int64_t>(acc) * multiplier + (int64_t{1} << (total - 1))) >> total;
}

// r saturated to int32 (it exceeds int32 only for multipliers above one and large
// accumulators). Requires is_valid_requant(multiplier, shift).
inline int32_t requantize(int32_t acc, int32_t multiplier, int32_t shift) {
  const int64_t r = requantize_exact(acc, multiplier, shift);
  return r > INT32_MAX ? INT32_MAX : (r < INT32_MIN ? INT32_MIN : static_cast<int32_t>(r));
}

// y of the formula above: an output code in [min, max]. zero_point, min and max are
// codes of the output bit width (0..255 at most); r is clamped to [min - zero_point,
// max - zero_point] in 64 bits first, so nothing can overflow.
inline uint32_t requantize_to_code(int32_t acc, int32_t multiplier, int32_t shift,
                                   int32_t zero_point, int32_t min, int32_t max) {
  int64_t r = requantize_exact(acc, multiplier, shift);
  r = r < min - zero_point ? min - zero_point : r;
  r = r > max - zero_point ? max - zero_point : r;
  return static_cast<uint32_t>(static_cast<int32_t>(r) + zero_point);
}

// a + b modulo 2^32: adding the bias to an accumulator is defined to wrap, identically in
// every implementation (the converter keeps real models far from it).
inline int32_t wrapping_add(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}

}  // namespace mpq::kernels
