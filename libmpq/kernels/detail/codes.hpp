#pragma once
// Moving unsigned b-bit codes between packed rows and one-byte-per-value arrays, for the
// fast kernels' setup and output paths (the hot loops use lanes.hpp instead).

#include <cstdint>
#include <cstring>

#include "libmpq/kernels/detail/dsp.hpp"

namespace mpq::kernels::detail {

// Unsigned b-bit codes of one packed row -> one byte each.
inline void unpack_codes(const uint8_t* src, int32_t count, int32_t bits, uint8_t* dst) {
  if (count <= 0) return;
  if (bits == 8) {
    std::memcpy(dst, src, static_cast<size_t>(count));
    return;
  }
  const int32_t per_byte = 8 / bits;
  const uint32_t mask = (1u << bits) - 1u;
  int32_t i = 0;
  for (; i + per_byte <= count; i += per_byte) {
    uint32_t b = *src++;
    for (int32_t k = 0; k < per_byte; ++k, b >>= bits) dst[i + k] = static_cast<uint8_t>(b & mask);
  }
  if (i < count) {
    uint32_t b = *src;
    for (; i < count; ++i, b >>= bits) dst[i] = static_cast<uint8_t>(b & mask);
  }
}

// codes[0..count) (each < 2^bits) -> a packed row of ceil(count*bits/8) bytes, padding
// bits zero.
inline void pack_codes(const uint8_t* codes, int32_t count, int32_t bits, uint8_t* dst) {
  if (count <= 0) return;
  if (bits == 8) {
    std::memcpy(dst, codes, static_cast<size_t>(count));
    return;
  }
  const int32_t per_byte = 8 / bits;
  for (int32_t i = 0; i < count; i += per_byte) {
    uint32_t b = 0;
    for (int32_t k = 0; k < per_byte && i + k < count; ++k) b |= static_cast<uint32_t>(codes[i + k]) << (k * bits);
    *dst++ = static_cast<uint8_t>(b);
  }
}

// Writes code (< 2^bits) as value `index` of a packed row whose bytes were zeroed first.
MPQ_ALWAYS_INLINE void put_code(uint8_t* row, int32_t index, int32_t bits, uint32_t code) {
  if (bits == 8) {
    row[index] = static_cast<uint8_t>(code);
  } else {
    const int32_t bit = index * bits;
    row[bit >> 3] = static_cast<uint8_t>(row[bit >> 3] | (code << (bit & 7)));
  }
}

}  // namespace mpq::kernels::detail
