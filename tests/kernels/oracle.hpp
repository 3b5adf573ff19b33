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
// What a b-bit weight code adds to an accumulator per unit of input (docs/kernels.md,
// "Weights"): the code read as the top b bits of an 8-bit weight, code * 2^(8 - b).
inline int32_t weight_at(const uint8_t* row, int64_t i, int32_t bits) {
  return signed_at(row, i, bits) * (1 << (8 - bits));
}
inline int64_t row_bytes(int64_t count, int32_t bits) { return (count * bits + 7) / 8; }

// acc * multiplier * 2^(shift - 31) rounded once to the nearest integer, ties toward
// +infinity, written as a floor division of exact 128-bit integers: the integer r with
// r - 1/2 <= acc * m < r + 1/2, i.e. floor((2 * acc * multiplier + 2^total) / 2^(total + 1)).
inline __int128 requantize_wide(int32_t acc, int32_t multiplier, int32_t shift) {
  const int32_t total = 31 - shift;
  const __int128 num = 2 * static_cast<__int128>(acc) * multiplier + (static_cast<__int128>(1) << total);
  const __int128 den = static_cast<__int128>(1) << (total + 1);
  __int128 q = num / den;  // truncates toward zero
  if (num % den != 0 && num < 0) --q;
  return q;
}

// The same, saturated to int32 (the kernels' requantize()).
inline int32_t requantize(int32_t acc, int32_t multiplier, int32_t shift) {
  const __int128 r = requantize_wide(acc, multiplier, shift);
  return static_cast<int32_t>(r > INT32_MAX ? INT32_MAX : (r < INT32_MIN ? INT32_MIN : r));
}

inline int32_t to_code(int64_t acc_wrapped, int32_t multiplier, int32_t shift, int32_t zero_point,
                       int32_t min, int32_t max) {
  const __int128 y = zero_point + requantize_wide(static_cast<int32_t>(acc_wrapped), multiplier, shift);
  return static_cast<int32_t>(y < min ? min : (y > max ? max : y));
}

// An accumulator plus bias, wrapped to int32 the documented way.
inline int32_t wrap(int64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(v))); }

}  // namespace mpq::kernels::oracle
