#pragma once
// requantize_to_code() with everything that depends only on the output channel worked out
// once: the fast kernels build one per channel and apply it to every accumulator of that
// channel. Bit-exact with requantize_to_code (tested directly on every shift, and through
// the kernels).
//
// Shift <= -1 (real multipliers below 1/2; all but a few channels at 8 and 4 bits):
// total = 31 - shift >= 32, so r = floor((acc * multiplier + 2^(total - 1)) / 2^total) is
// the high word of that 64-bit sum shifted right by total - 32. The rounding constant
// 2^(total - 1) is (round_hi, round_lo) with round_lo = 2^31 when total = 32 and 0
// otherwise: one SMLAL onto the constant, one ASR. round_lo (bit 31) and the right shift
// (low byte: ASR by a register reads only its low byte) share one word, so the depthwise
// kernel's per-channel record stays at 16 bytes. The high word always fits: |acc *
// multiplier| < 2^62.
//
// Shift >= 0 (multipliers of 1/2 and above, common in 2-bit layers): the multiplier is
// first normalized to [2^30, 2^31) (multiplier * 2^z, shift - z: the same r); if that
// leaves shift >= 0, then |acc| >= 2^10 puts |r| >= 2^9 outside every clamp range
// (codes are at most 8 bits, so lo >= -255 and hi <= 255), and so does any acc != 0 once
// shift >= 10. The code is therefore unchanged by saturating acc to 11 bits and lowering
// the shift to at most 10; then x = acc * 2^(shift + 1) fits in 22 bits and
// r = floor((x * multiplier + 2^31) / 2^32): SSAT, LSL, and the same SMLAL. round_hi = -1
// marks this form, with shift + 1 in round_lo_right.

#include <cstdint>

#include "libmpq/kernels/detail/dsp.hpp"
#include "libmpq/kernels/requantize.hpp"

namespace mpq::kernels::detail {

constexpr uint32_t kRoundLoBit = 0x80000000u;
constexpr int32_t kMaxCodeShift = 10;  // see above: 2^30 * 2^(10 - 31) = 2^9 > 255

// One channel's multiplier and rounding words (see above).
struct RoundingWords {
  int32_t multiplier;
  int32_t round_hi;         // -1: multipliers of 1/2 and above
  uint32_t round_lo_right;  // those: the left shift of the saturated accumulator
};

MPQ_ALWAYS_INLINE RoundingWords rounding_words(int32_t multiplier, int32_t shift) {
  if (shift >= 0 && multiplier > 0 && multiplier < (1 << 30)) {
    const int32_t z = __builtin_clz(static_cast<uint32_t>(multiplier)) - 1;  // in [1, 30]
    multiplier <<= z;
    shift -= z;  // >= -30
  }
  if (shift >= 0 && multiplier != 0) {
    const int32_t s = shift < kMaxCodeShift ? shift : kMaxCodeShift;
    return RoundingWords{multiplier, -1, static_cast<uint32_t>(s + 1)};
  }
  const int32_t right = shift < 0 ? -1 - shift : 0;  // total - 32 in [0, 30]; multiplier 0: any
  // Without a branch: t = 2^right gives round_hi = 2^(right - 1) (0 when right = 0) and
  // round_lo = 2^31 only when right = 0 (t << 31 drops every other bit of t).
  const uint32_t t = uint32_t{1} << right;
  return RoundingWords{multiplier, static_cast<int32_t>(t >> 1),
                       (t << 31) | static_cast<uint32_t>(right)};
}

// r for round_hi >= 0.
MPQ_ALWAYS_INLINE int32_t rounding_shift_fast(int32_t acc, int32_t multiplier, int32_t round_hi,
                                              uint32_t round_lo_right) {
  const int32_t high = dsp::smlal_high(round_lo_right & kRoundLoBit, round_hi, acc, multiplier);
  return dsp::asr_low_byte(high, round_lo_right);
}

// r for round_hi < 0, correct wherever the result is clamped to a code range.
MPQ_ALWAYS_INLINE int32_t rounding_shift_large(int32_t acc, int32_t multiplier,
                                               uint32_t left) {
  const int32_t x = static_cast<int32_t>(static_cast<uint32_t>(dsp::ssat<11>(acc)) << left);
  return dsp::smlal_high(kRoundLoBit, 0, x, multiplier);
}

// r for any channel, exact wherever it is then clamped to a code range (|r| < 2^30).
MPQ_ALWAYS_INLINE int32_t rounding_shift(int32_t acc, const RoundingWords& w) {
  return __builtin_expect(w.round_hi < 0, 0)
             ? rounding_shift_large(acc, w.multiplier, w.round_lo_right)
             : rounding_shift_fast(acc, w.multiplier, w.round_hi, w.round_lo_right);
}

// clamp(r, lo, hi) for any channel; lo >= -255 and hi <= 255.
MPQ_ALWAYS_INLINE int32_t rounding_shift_clamped(int32_t acc, const RoundingWords& w, int32_t lo,
                                                 int32_t hi) {
  const int32_t r = __builtin_expect(w.round_hi < 0, 0)
                        ? rounding_shift_large(acc, w.multiplier, w.round_lo_right)
                        : rounding_shift_fast(acc, w.multiplier, w.round_hi, w.round_lo_right);
  return r < lo ? lo : (r > hi ? hi : r);
}

struct ChannelRequant {
  int32_t bias;  // added (wrapping) before requantization
  RoundingWords words;
  int32_t lo, hi;  // output.min / max minus the zero point
  int32_t zero_point;

  MPQ_ALWAYS_INLINE static ChannelRequant make(int32_t bias, int32_t multiplier, int32_t shift,
                                               int32_t zero_point, int32_t min, int32_t max) {
    return ChannelRequant{bias, rounding_words(multiplier, shift), min - zero_point,
                          max - zero_point, zero_point};
  }

  // code() for a full-range output of Bits bits (lo = -zero_point, hi = 2^Bits - 1 -
  // zero_point): the clamp is one USAT. zero_point + r cannot overflow (|r| < 2^30).
  template <int Bits>
  MPQ_ALWAYS_INLINE uint32_t code_full_range(int32_t acc) const {
    return static_cast<uint32_t>(
        dsp::usat<Bits>(rounding_shift(wrapping_add(acc, bias), words) + zero_point));
  }

  MPQ_ALWAYS_INLINE uint32_t code(int32_t acc) const {
    return static_cast<uint32_t>(rounding_shift_clamped(wrapping_add(acc, bias), words, lo, hi) +
                                 zero_point);
  }
};

}  // namespace mpq::kernels::detail
