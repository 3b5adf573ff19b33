#pragma once
// Packed layout of every tensor the kernels read or write, and its exact byte sizes (the
// memory model counts exactly these bytes).
//
// A tensor is a sequence of rows; a row is a vector of `count` b-bit values, b in {2,4,8}.
// Value i of a row sits at bit (i*b)%8 of byte (i*b)/8 of the row (low bits first). Every
// row starts on a byte boundary: a row takes packed_row_bytes(count, b) = ceil(count*b/8)
// bytes and its unused high bits ("padding bits") are written as zero.
//   activations  HWC:        rows = h*w pixels,          count = c
//   conv weights OHWI:       rows = c_out*kh*kw taps,     count = c_in   (pointwise: kh=kw=1)
//   depthwise weights HWC:   rows = kh*kw taps,           count = c
//   fully connected [O][I]:  rows = c_out,                count = c_in
// Activations are unsigned codes 0..2^b-1. Weights are two's complement b-bit values,
// -2^(b-1)..2^(b-1)-1 (the kernels accept the full range; see docs/kernels.md for the
// symmetric range the quantizer uses). Kernels ignore the padding bits of their inputs and
// write zero padding bits.

#include <cstdint>

#include "libmpq/kernels/status.hpp"

namespace mpq::kernels {

constexpr bool is_valid_bits(int32_t bits) { return bits == 2 || bits == 4 || bits == 8; }

// Bytes of one row of `count` b-bit values; 0 for invalid arguments.
constexpr int32_t packed_row_bytes(int32_t count, int32_t bits) {
  return (count >= 1 && is_valid_bits(bits) && count <= INT32_MAX / 8)
             ? static_cast<int32_t>((static_cast<int64_t>(count) * bits + 7) / 8)
             : 0;
}

// Exact byte sizes of packed tensors. Each returns 0 when a dimension is < 1, bits is not
// 2, 4 or 8, or the size would exceed INT32_MAX.
int32_t activation_bytes(int32_t h, int32_t w, int32_t c, int32_t bits);
int32_t conv_weight_bytes(int32_t out_channels, int32_t kernel_h, int32_t kernel_w,
                          int32_t in_channels, int32_t bits);
int32_t depthwise_weight_bytes(int32_t kernel_h, int32_t kernel_w, int32_t channels,
                               int32_t bits);
int32_t fully_connected_weight_bytes(int32_t out_features, int32_t in_features, int32_t bits);

// Value i of a packed row: unsigned code, or sign-extended two's complement weight.
inline uint32_t get_unsigned(const uint8_t* row, int32_t i, int32_t bits) {
  const int32_t bit = i * bits;
  return (static_cast<uint32_t>(row[bit >> 3]) >> (bit & 7)) & ((1u << bits) - 1u);
}
inline int32_t get_signed(const uint8_t* row, int32_t i, int32_t bits) {
  const uint32_t v = get_unsigned(row, i, bits);
  const uint32_t sign = 1u << (bits - 1);
  return static_cast<int32_t>(v ^ sign) - static_cast<int32_t>(sign);
}
// What weight i of a packed row adds to an accumulator per unit of input: its code times
// 2^(8 - bits) (= 2^weight_scale_shift(bits)), the code read as the top bits of an 8-bit
// weight (quant_params.hpp).
// (The code moved to the top of a word, then shifted down arithmetically to the top of the
// low byte: as cheap as get_signed's sign extension.)
inline int32_t get_weight(const uint8_t* row, int32_t i, int32_t bits) {
  return static_cast<int32_t>(get_unsigned(row, i, bits) << (32 - bits)) >> 24;
}
// Stores the low `bits` bits of v as value i, leaving the other bits of its byte alone.
inline void set_unsigned(uint8_t* row, int32_t i, int32_t bits, uint32_t v) {
  const int32_t bit = i * bits;
  const uint32_t mask = ((1u << bits) - 1u) << (bit & 7);
  uint8_t& byte = row[bit >> 3];
  byte = static_cast<uint8_t>((byte & ~mask) | ((v << (bit & 7)) & mask));
}

// Packs rows x count values (one per byte, row-major) into the layout above; padding bits
// become zero. bad_value if an unsigned code is >= 2^bits or a signed value is outside
// [-2^(bits-1), 2^(bits-1)-1]; `packed` is then partly written.
Status pack_unsigned_rows(const uint8_t* codes, int32_t rows, int32_t count, int32_t bits,
                          uint8_t* packed);
Status pack_signed_rows(const int8_t* values, int32_t rows, int32_t count, int32_t bits,
                        uint8_t* packed);
// Inverse of the above (padding bits are ignored).
Status unpack_unsigned_rows(const uint8_t* packed, int32_t rows, int32_t count, int32_t bits,
                            uint8_t* codes);
Status unpack_signed_rows(const uint8_t* packed, int32_t rows, int32_t count, int32_t bits,
                          int8_t* values);

}  // namespace mpq::kernels
