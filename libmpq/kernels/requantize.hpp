#pragma once
// Integer-only requantization, the same arithmetic on every target (gemmlowp / TFLite
// style: a saturating rounding doubling high multiply, then a rounding right shift).
//
// A real multiplier m > 0 is represented as m ~= multiplier * 2^(shift - 31) with
// multiplier in [2^30, 2^31 - 1] (0 encodes m = 0) and shift in [-31, 30]
// (quantize_multiplier() computes them). For an int32 accumulator `acc`:
//
//   x = saturate_int32(acc * 2^max(shift, 0))
//   h = floor((x * multiplier + 2^30) / 2^31)           rounding doubling high multiply:
//                                                      nearest, ties toward +infinity
//   r = rounding_divide_by_pot(h, max(-shift, 0))      nearest, ties away from zero
//   y = clamp(zero_point + r, min, max)                computed without overflow
//
// h is exactly gemmlowp's SaturatingRoundingDoublingHighMul (its "nudge then truncate" is
// the floor above); the saturating case INT32_MIN * INT32_MIN cannot occur because
// multiplier >= 0. r is gemmlowp's RoundingDivideByPOT.

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

// floor((a * b + 2^30) / 2^31), saturated to INT32_MAX for a == b == INT32_MIN.
inline int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  const int64_t ab = static_cast<int64_t>(a) * b;
  return static_cast<int32_t>((ab + (int64_t{1} << 30)) >> 31);
}

// x / 2^exponent rounded to nearest, ties away from zero; exponent in [0, 31].
inline int32_t rounding_divide_by_pot(int32_t x, int32_t exponent) {
  const int32_t mask = static_cast<int32_t>((int64_t{1} << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

// r of the formula above. Requires is_valid_requant(multiplier, shift). Written for the
// hot paths, equal to rounding_divide_by_pot(saturating_rounding_doubling_high_mul(x, m), r)
// (tested): with multiplier >= 0 the high multiply cannot saturate, so it is one 64-bit
// multiply-accumulate (SMLAL on Cortex-M) and the rounding shift is branch-free.
inline int32_t requantize(int32_t acc, int32_t multiplier, int32_t shift) {
  int32_t x = acc;
  if (shift > 0) {
    const int64_t scaled = static_cast<int64_t>(acc) * (int64_t{1} << shift);
    x = scaled > INT32_MAX ? INT32_MAX
                           : (scaled < INT32_MIN ? INT32_MIN : static_cast<int32_t>(scaled));
  }
  const int32_t high =
      static_cast<int32_t>((static_cast<int64_t>(x) * multiplier + (int64_t{1} << 30)) >> 31);
  const int32_t right = shift < 0 ? -shift : 0;
  const int32_t mask = static_cast<int32_t>((1u << right) - 1u);
  const int32_t threshold = (mask >> 1) + static_cast<int32_t>(static_cast<uint32_t>(high) >> 31);
  return (high >> right) + ((high & mask) > threshold ? 1 : 0);
}

// y of the formula above: an output code in [min, max]. zero_point, min and max are
// codes of the output bit width (0..255 at most), so no sum can overflow.
inline uint32_t requantize_to_code(int32_t acc, int32_t multiplier, int32_t shift,
                                   int32_t zero_point, int32_t min, int32_t max) {
  int32_t r = requantize(acc, multiplier, shift);
  r = r < min - zero_point ? min - zero_point : r;
  r = r > max - zero_point ? max - zero_point : r;
  return static_cast<uint32_t>(r + zero_point);
}

// a + b modulo 2^32: adding the bias to an accumulator is defined to wrap, identically in
// every implementation (the converter keeps real models far from it).
inline int32_t wrapping_add(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}

}  // namespace mpq::kernels
