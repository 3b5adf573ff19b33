#pragma once
// How the fast kernels split a 32-bit word of packed b-bit values into 16-bit lanes.
//
// A word holds 32/b values (value i at bits i*b). unpack_* produce 16/b "lane words" of two
// int16 lanes each, in the fixed order kLaneOrder<b>: lane word j holds values
// kLaneOrder[2j] (lo) and kLaneOrder[2j+1] (hi). The orders come from what single
// instructions can extract (SXTB16/UXTB16 take bytes 0 and 2, or 1 and 3 after a rotate);
// the other operand of each multiply is laid out to match, once, off the hot loop.
//
// Signed (weight) words are unpacked scaled by 2^(8-b) (the value sits in the top bits of
// its byte), which is the value a b-bit weight has in every kernel's accumulator
// (weight_scale_shift, quant_params.hpp): products sum to the accumulator itself. Scaled
// weights stay within [-128, 127], so kMaxReductionDepth holds.

#include <cstdint>

#include "libmpq/kernels/detail/dsp.hpp"
#include "libmpq/kernels/quant_params.hpp"

namespace mpq::kernels::detail {

template <int Bits>
struct Lanes;

template <>
struct Lanes<8> {
  static constexpr int32_t kValues = 4;      // values per 32-bit word
  static constexpr int32_t kWords = 2;       // lane words per 32-bit word
  static constexpr int32_t kScaleShift = 0;  // signed lanes are value << kScaleShift
  static constexpr int8_t kOrder[kValues] = {0, 2, 1, 3};
};
template <>
struct Lanes<4> {
  static constexpr int32_t kValues = 8;
  static constexpr int32_t kWords = 4;
  static constexpr int32_t kScaleShift = 4;
  static constexpr int8_t kOrder[kValues] = {0, 4, 2, 6, 1, 5, 3, 7};
};
template <>
struct Lanes<2> {
  static constexpr int32_t kValues = 16;
  static constexpr int32_t kWords = 8;
  static constexpr int32_t kScaleShift = 6;
  static constexpr int8_t kOrder[kValues] = {0, 8, 4, 12, 1, 9, 5, 13,
                                             2, 10, 6, 14, 3, 11, 7, 15};
};

template <int Bits>
constexpr bool lane_order_is_permutation() {
  bool seen[Lanes<Bits>::kValues] = {};
  for (int32_t i = 0; i < Lanes<Bits>::kValues; ++i) {
    const int32_t v = Lanes<Bits>::kOrder[i];
    if (v < 0 || v >= Lanes<Bits>::kValues || seen[v]) return false;
    seen[v] = true;
  }
  return Lanes<Bits>::kWords * 2 == Lanes<Bits>::kValues && Lanes<Bits>::kValues * Bits == 32;
}
static_assert(Lanes<8>::kScaleShift == weight_scale_shift(8) &&
                  Lanes<4>::kScaleShift == weight_scale_shift(4) &&
                  Lanes<2>::kScaleShift == weight_scale_shift(2),
              "signed lanes hold the weights' accumulator values");
static_assert(lane_order_is_permutation<8>() && lane_order_is_permutation<4>() &&
                  lane_order_is_permutation<2>(),
              "each lane order must list every value of a word once");

// Signed b-bit values -> lane words, each lane = value * 2^(8-b).
template <int Bits>
MPQ_ALWAYS_INLINE void unpack_signed_scaled(uint32_t w, uint32_t* out);

template <>
MPQ_ALWAYS_INLINE void unpack_signed_scaled<8>(uint32_t w, uint32_t* out) {
  out[0] = dsp::sxtb16(w);
  out[1] = dsp::sxtb16_ror8(w);
}
template <>
MPQ_ALWAYS_INLINE void unpack_signed_scaled<4>(uint32_t w, uint32_t* out) {
  const uint32_t even = (w << 4) & 0xF0F0F0F0u;  // values 0,2,4,6 in the top nibbles
  const uint32_t odd = w & 0xF0F0F0F0u;          // values 1,3,5,7
  out[0] = dsp::sxtb16(even);
  out[1] = dsp::sxtb16_ror8(even);
  out[2] = dsp::sxtb16(odd);
  out[3] = dsp::sxtb16_ror8(odd);
}
template <>
MPQ_ALWAYS_INLINE void unpack_signed_scaled<2>(uint32_t w, uint32_t* out) {
  for (int32_t k = 0; k < 4; ++k) {  // value 4*byte + k sits at bits 2k of each byte
    const uint32_t top = (w << (6 - 2 * k)) & 0xC0C0C0C0u;
    out[2 * k] = dsp::sxtb16(top);
    out[2 * k + 1] = dsp::sxtb16_ror8(top);
  }
}

// Unsigned b-bit codes -> lane words, exact (lanes 0..2^b-1).
template <int Bits>
MPQ_ALWAYS_INLINE void unpack_unsigned(uint32_t x, uint32_t* out);

template <>
MPQ_ALWAYS_INLINE void unpack_unsigned<8>(uint32_t x, uint32_t* out) {
  out[0] = dsp::uxtb16(x);
  out[1] = dsp::uxtb16_ror8(x);
}
template <>
MPQ_ALWAYS_INLINE void unpack_unsigned<4>(uint32_t x, uint32_t* out) {
  const uint32_t even = x & 0x0F0F0F0Fu;
  const uint32_t odd = (x >> 4) & 0x0F0F0F0Fu;
  out[0] = dsp::uxtb16(even);
  out[1] = dsp::uxtb16_ror8(even);
  out[2] = dsp::uxtb16(odd);
  out[3] = dsp::uxtb16_ror8(odd);
}
template <>
MPQ_ALWAYS_INLINE void unpack_unsigned<2>(uint32_t x, uint32_t* out) {
  for (int32_t k = 0; k < 4; ++k) {
    const uint32_t low = (x >> (2 * k)) & 0x03030303u;
    out[2 * k] = dsp::uxtb16(low);
    out[2 * k + 1] = dsp::uxtb16_ror8(low);
  }
}

// Lane words 2k and 2k+1 of unpack_signed_scaled<Bits>(w) / unpack_unsigned<Bits>(x), for
// k in [0, kWords / 2): the hot loops unpack one pair at a time to keep few registers live.
// Call with a constant k (the loops over it are unrolled).
template <int Bits>
MPQ_ALWAYS_INLINE void signed_lane_pair(uint32_t w, int32_t k, uint32_t& l0, uint32_t& l1) {
  uint32_t top;
  if constexpr (Bits == 8) {
    top = w;
  } else if constexpr (Bits == 4) {
    top = k == 0 ? (w << 4) & 0xF0F0F0F0u : w & 0xF0F0F0F0u;
  } else {
    top = (w << (6 - 2 * k)) & 0xC0C0C0C0u;
  }
  l0 = dsp::sxtb16(top);
  l1 = dsp::sxtb16_ror8(top);
}
template <int Bits>
MPQ_ALWAYS_INLINE void unsigned_lane_pair(uint32_t x, int32_t k, uint32_t& l0, uint32_t& l1) {
  uint32_t low;
  if constexpr (Bits == 8) {
    low = x;
  } else if constexpr (Bits == 4) {
    low = (x >> (4 * k)) & 0x0F0F0F0Fu;
  } else {
    low = (x >> (2 * k)) & 0x03030303u;
  }
  l0 = dsp::uxtb16(low);
  l1 = dsp::uxtb16_ror8(low);
}

// Bytes v[0..kValues) (one unsigned value per byte, any alignment) -> lane words in the
// order of Lanes<Bits>, for the operand that meets unpack_signed_scaled<Bits> lanes.
template <int Bits>
MPQ_ALWAYS_INLINE void bytes_to_lanes(const uint8_t* v, uint32_t* out);

template <>
MPQ_ALWAYS_INLINE void bytes_to_lanes<8>(const uint8_t* v, uint32_t* out) {
  const uint32_t a = dsp::load32(v);
  out[0] = dsp::uxtb16(a);       // (0, 2)
  out[1] = dsp::uxtb16_ror8(a);  // (1, 3)
}
template <>
MPQ_ALWAYS_INLINE void bytes_to_lanes<4>(const uint8_t* v, uint32_t* out) {
  const uint32_t a = dsp::load32(v);
  const uint32_t b = dsp::load32(v + 4);
  const uint32_t a02 = dsp::uxtb16(a), b46 = dsp::uxtb16(b);
  const uint32_t a13 = dsp::uxtb16_ror8(a), b57 = dsp::uxtb16_ror8(b);
  out[0] = dsp::pkhbt(a02, b46);  // (0, 4)
  out[1] = dsp::pkhtb(b46, a02);  // (2, 6)
  out[2] = dsp::pkhbt(a13, b57);  // (1, 5)
  out[3] = dsp::pkhtb(b57, a13);  // (3, 7)
}
template <>
MPQ_ALWAYS_INLINE void bytes_to_lanes<2>(const uint8_t* v, uint32_t* out) {
  const uint32_t a = dsp::load32(v), b = dsp::load32(v + 4);
  const uint32_t c = dsp::load32(v + 8), d = dsp::load32(v + 12);
  const uint32_t a02 = dsp::uxtb16(a), c810 = dsp::uxtb16(c);
  const uint32_t b46 = dsp::uxtb16(b), d1214 = dsp::uxtb16(d);
  const uint32_t a13 = dsp::uxtb16_ror8(a), c911 = dsp::uxtb16_ror8(c);
  const uint32_t b57 = dsp::uxtb16_ror8(b), d1315 = dsp::uxtb16_ror8(d);
  out[0] = dsp::pkhbt(a02, c810);   // (0, 8)
  out[1] = dsp::pkhbt(b46, d1214);  // (4, 12)
  out[2] = dsp::pkhbt(a13, c911);   // (1, 9)
  out[3] = dsp::pkhbt(b57, d1315);  // (5, 13)
  out[4] = dsp::pkhtb(c810, a02);   // (2, 10)
  out[5] = dsp::pkhtb(d1214, b46);  // (6, 14)
  out[6] = dsp::pkhtb(c911, a13);   // (3, 11)
  out[7] = dsp::pkhtb(d1315, b57);  // (7, 15)
}

}  // namespace mpq::kernels::detail
