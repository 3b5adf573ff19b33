#pragma once
// Independent host-side formulas the kernels are checked against: 64-bit arithmetic written
// the way the documentation states it, sharing no code with libmpq/kernels.

#include <cstdint>
#include <vector>

namespace mpq::kernels::oracle {

// Value i of a packed row (rows start on byte boundaries), unsigned / two's complement.
inline int32_t unsigned_at(const uint8_t* row, int64_t i, int32_t bits) {
  int32_t v = 0;
  for (int32_t b = 0; b < bits; ++b) {
    const int64_t bit = i * bits + b;
    v |= ((row[bit / 8] >> (bit % 8)) & 1) << b;
  }
  return v;
}
inline int32_t signed_at(const uint8_t* row, int64_t i, int32_t bits) {
  const int32_t v = unsigned_at(row, i, bits);
  return v >= (1 << (bits - 1)) ? v - (1 << bits) : v;
}
inline int64_t row_bytes(int64_t count, int32_t bits) { return (count * bits + 7) / 8; }

// gemmlowp's SaturatingRoundingDoublingHighMul then RoundingDivideByPOT, as in TFLite's
// MultiplyByQuantizedMultiplier, but with the left shift saturating.
inline int32_t requantize(int32_t acc, int32_t multiplier, int32_t shift) {
  int64_t x = acc;
  if (shift > 0) {
    x *= int64_t{1} << shift;
    if (x > INT32_MAX) x = INT32_MAX;
    if (x < INT32_MIN) x = INT32_MIN;
  }
  const int64_t ab = x * multiplier;
  const int64_t nudge = ab >= 0 ? (int64_t{1} << 30) : (1 - (int64_t{1} << 30));
  const int64_t high = (ab + nudge) / (int64_t{1} << 31);  // truncates toward zero
  const int32_t right = shift < 0 ? -shift : 0;
  if (right == 0) return static_cast<int32_t>(high);
  // Nearest, ties away from zero.
  const int64_t half = int64_t{1} << (right - 1);
  const int64_t magnitude = ((high < 0 ? -high : high) + half) >> right;
  return static_cast<int32_t>(high < 0 ? -magnitude : magnitude);
}

inline int32_t to_code(int64_t acc_wrapped, int32_t multiplier, int32_t shift, int32_t zero_point,
                       int32_t min, int32_t max) {
  const int64_t y = int64_t{zero_point} + requantize(static_cast<int32_t>(acc_wrapped), multiplier, shift);
  return static_cast<int32_t>(y < min ? min : (y > max ? max : y));
}

// An accumulator plus bias, wrapped to int32 the documented way.
inline int32_t wrap(int64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(v))); }

}  // namespace mpq::kernels::oracle
