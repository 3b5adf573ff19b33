#pragma once
// The SIMD primitives of the fast kernels: each is one Cortex-M DSP-extension instruction
// when __ARM_FEATURE_DSP is defined (inline asm, so the instruction is exactly the one
// named) and a plain C++ equivalent elsewhere. The fast kernels are written once against
// these, so the host runs and tests the very algorithm the MCU runs, lane order included.
// (SMLAL, ASR, SSAT and USAT are not DSP-extension instructions, but written as asm they stay
// the one instruction named; the compiler would otherwise mask the shift count.)
//
// Lane notation: a 32-bit word holds two 16-bit lanes, (lo, hi).

#include <cstdint>
#include <cstring>

#if defined(__BYTE_ORDER__)
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the packed layouts assume little endian");
#endif

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#define MPQ_KERNELS_DSP 1
#else
#define MPQ_KERNELS_DSP 0
#endif

#define MPQ_ALWAYS_INLINE inline __attribute__((always_inline))

namespace mpq::kernels::dsp {

// Little-endian 32-bit load/store at any alignment (a single LDR/STR on Cortex-M3 and up).
MPQ_ALWAYS_INLINE uint32_t load32(const void* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
MPQ_ALWAYS_INLINE void store32(void* p, uint32_t v) { std::memcpy(p, &v, sizeof v); }

// The first n bytes at p (n in 0..4) as a little-endian word, the missing bytes zero:
// never reads past p + n.
MPQ_ALWAYS_INLINE uint32_t load32_partial(const uint8_t* p, int32_t n) {
  if (n >= 4) return load32(p);
  uint32_t v = 0;
  for (int32_t i = 0; i < n; ++i) v |= static_cast<uint32_t>(p[i]) << (8 * i);
  return v;
}

// No instruction: `value` is unchanged but the compiler must assume it now depends on
// `after`, so code using `value` is not scheduled before `after` is computed. Keeps the hot
// loops from computing many values early and spilling them.
template <typename T, typename U>
MPQ_ALWAYS_INLINE void order_after(T& value, U after) {
  __asm__("" : "+r"(value) : "r"(after));
}

// No instruction: a compiler barrier that `p` passes through, so every store before it
// is done before any load through p (or a pointer derived from it) after it, including
// the loads below that carry no memory operand.
template <typename T>
MPQ_ALWAYS_INLINE void after_stores(T*& p) {
  __asm__ volatile("" : "+r"(p) : : "memory");
}

#if MPQ_KERNELS_DSP

// a = p[0], b = p[1], p += 2: one LDRD with write-back (p must be 4-byte aligned).
MPQ_ALWAYS_INLINE void load_pair_advance(const uint32_t*& p, uint32_t& a, uint32_t& b) {
  __asm__("ldrd %0, %1, [%2], #8"
          : "=r"(a), "=r"(b), "+r"(p)
          : "m"(*reinterpret_cast<const uint32_t(*)[2]>(p)));
}

// Loads of read-only data (weights) for hot loops that need the addressing mode named.
// They carry no memory operand: computing its address would cost an instruction, and
// nothing the kernels write can alias the weights.
//
// *p (any alignment), p += 4: one LDR with write-back.
MPQ_ALWAYS_INLINE uint32_t load32_advance(const uint8_t*& p) {
  uint32_t v;
  __asm__("ldr %0, [%1], #4" : "=r"(v), "+r"(p));
  return v;
}
// The word at p + offset (any alignment): one LDR with a register offset.
MPQ_ALWAYS_INLINE uint32_t load32_at(const uint8_t* p, int32_t offset) {
  uint32_t v;
  __asm__("ldr %0, [%1, %2]" : "=r"(v) : "r"(p), "r"(offset));
  return v;
}
// The word at p + (offset << S) (any alignment), S in 0..3: one LDR with a shifted
// register offset.
template <int S>
MPQ_ALWAYS_INLINE uint32_t load32_at_scaled(const uint8_t* p, int32_t offset) {
  uint32_t v;
  __asm__("ldr %0, [%1, %2, lsl %3]" : "=r"(v) : "r"(p), "r"(offset), "I"(S));
  return v;
}

// (sign-extended byte 0, sign-extended byte 2)
MPQ_ALWAYS_INLINE uint32_t sxtb16(uint32_t x) {
  uint32_t r;
  __asm__("sxtb16 %0, %1" : "=r"(r) : "r"(x));
  return r;
}
// (sign-extended byte 1, sign-extended byte 3)
MPQ_ALWAYS_INLINE uint32_t sxtb16_ror8(uint32_t x) {
  uint32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
  return r;
}
// (zero-extended byte 0, zero-extended byte 2)
MPQ_ALWAYS_INLINE uint32_t uxtb16(uint32_t x) {
  uint32_t r;
  __asm__("uxtb16 %0, %1" : "=r"(r) : "r"(x));
  return r;
}
// (zero-extended byte 1, zero-extended byte 3)
MPQ_ALWAYS_INLINE uint32_t uxtb16_ror8(uint32_t x) {
  uint32_t r;
  __asm__("uxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
  return r;
}
// acc + a.lo * b.lo + a.hi * b.hi (signed lanes; wraps modulo 2^32)
MPQ_ALWAYS_INLINE int32_t smlad(uint32_t a, uint32_t b, int32_t acc) {
  int32_t r;
  __asm__("smlad %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
  return r;
}
// acc + a.lo * b.lo
MPQ_ALWAYS_INLINE int32_t smlabb(uint32_t a, uint32_t b, int32_t acc) {
  int32_t r;
  __asm__("smlabb %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
  return r;
}
// acc + a.hi * b.hi
MPQ_ALWAYS_INLINE int32_t smlatt(uint32_t a, uint32_t b, int32_t acc) {
  int32_t r;
  __asm__("smlatt %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
  return r;
}
// (a.lo, b.lo)
MPQ_ALWAYS_INLINE uint32_t pkhbt(uint32_t a, uint32_t b) {
  uint32_t r;
  __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(a), "r"(b));
  return r;
}
// (b.hi, a.hi)
MPQ_ALWAYS_INLINE uint32_t pkhtb(uint32_t a, uint32_t b) {
  uint32_t r;
  __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(r) : "r"(a), "r"(b));
  return r;
}

// The high word of the 64-bit (hi:lo) + a * b (signed; wraps modulo 2^64): one SMLAL.
MPQ_ALWAYS_INLINE int32_t smlal_high(uint32_t lo, int32_t hi, int32_t a, int32_t b) {
  __asm__("smlal %0, %1, %2, %3" : "+r"(lo), "+r"(hi) : "r"(a), "r"(b));
  return hi;
}
// x >> (n mod 256), arithmetic (all sign bits from 32 up): ASR by a register, which uses
// only the register's low byte, so callers may keep other data in the upper bits.
MPQ_ALWAYS_INLINE int32_t asr_low_byte(int32_t x, uint32_t n) {
  int32_t r;
  __asm__("asr %0, %1, %2" : "=r"(r) : "r"(x), "r"(n));
  return r;
}
// x clamped to the signed N-bit range [-2^(N-1), 2^(N-1) - 1]: one SSAT.
template <int N>
MPQ_ALWAYS_INLINE int32_t ssat(int32_t x) {
  int32_t r;
  __asm__("ssat %0, %1, %2" : "=r"(r) : "I"(N), "r"(x));
  return r;
}

// x clamped to the unsigned N-bit range [0, 2^N - 1]: one USAT.
template <int N>
MPQ_ALWAYS_INLINE int32_t usat(int32_t x) {
  int32_t r;
  __asm__("usat %0, %1, %2" : "=r"(r) : "I"(N), "r"(x));
  return r;
}

#else  // portable equivalents, bit for bit

MPQ_ALWAYS_INLINE void load_pair_advance(const uint32_t*& p, uint32_t& a, uint32_t& b) {
  a = p[0];
  b = p[1];
  p += 2;
}

MPQ_ALWAYS_INLINE uint32_t load32_advance(const uint8_t*& p) {
  const uint32_t v = load32(p);
  p += 4;
  return v;
}
MPQ_ALWAYS_INLINE uint32_t load32_at(const uint8_t* p, int32_t offset) { return load32(p + offset); }
template <int S>
MPQ_ALWAYS_INLINE uint32_t load32_at_scaled(const uint8_t* p, int32_t offset) {
  return load32(p + (offset << S));
}

MPQ_ALWAYS_INLINE uint32_t sext8_lane(uint32_t byte) {
  return static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(byte))) & 0xFFFFu;
}
MPQ_ALWAYS_INLINE int32_t lane_lo(uint32_t x) { return static_cast<int16_t>(x & 0xFFFFu); }
MPQ_ALWAYS_INLINE int32_t lane_hi(uint32_t x) { return static_cast<int16_t>(x >> 16); }

MPQ_ALWAYS_INLINE uint32_t sxtb16(uint32_t x) {
  return sext8_lane(x & 0xFFu) | (sext8_lane((x >> 16) & 0xFFu) << 16);
}
MPQ_ALWAYS_INLINE uint32_t sxtb16_ror8(uint32_t x) { return sxtb16((x >> 8) | (x << 24)); }
MPQ_ALWAYS_INLINE uint32_t uxtb16(uint32_t x) { return x & 0x00FF00FFu; }
MPQ_ALWAYS_INLINE uint32_t uxtb16_ror8(uint32_t x) { return (x >> 8) & 0x00FF00FFu; }
MPQ_ALWAYS_INLINE int32_t smlad(uint32_t a, uint32_t b, int32_t acc) {
  const uint32_t lo = static_cast<uint32_t>(lane_lo(a) * lane_lo(b));
  const uint32_t hi = static_cast<uint32_t>(lane_hi(a) * lane_hi(b));
  return static_cast<int32_t>(static_cast<uint32_t>(acc) + lo + hi);
}
MPQ_ALWAYS_INLINE int32_t smlabb(uint32_t a, uint32_t b, int32_t acc) {
  return static_cast<int32_t>(static_cast<uint32_t>(acc) +
                              static_cast<uint32_t>(lane_lo(a) * lane_lo(b)));
}
MPQ_ALWAYS_INLINE int32_t smlatt(uint32_t a, uint32_t b, int32_t acc) {
  return static_cast<int32_t>(static_cast<uint32_t>(acc) +
                              static_cast<uint32_t>(lane_hi(a) * lane_hi(b)));
}
MPQ_ALWAYS_INLINE uint32_t pkhbt(uint32_t a, uint32_t b) { return (a & 0xFFFFu) | (b << 16); }
MPQ_ALWAYS_INLINE uint32_t pkhtb(uint32_t a, uint32_t b) {
  return (a & 0xFFFF0000u) | (b >> 16);
}
MPQ_ALWAYS_INLINE int32_t smlal_high(uint32_t lo, int32_t hi, int32_t a, int32_t b) {
  const uint64_t sum = ((static_cast<uint64_t>(static_cast<uint32_t>(hi)) << 32) | lo) +
                       static_cast<uint64_t>(static_cast<int64_t>(a) * b);
  return static_cast<int32_t>(static_cast<uint32_t>(sum >> 32));
}
MPQ_ALWAYS_INLINE int32_t asr_low_byte(int32_t x, uint32_t n) {
  const uint32_t k = n & 0xFFu;
  return k >= 32 ? (x < 0 ? -1 : 0) : (x >> k);
}
template <int N>
MPQ_ALWAYS_INLINE int32_t ssat(int32_t x) {
  constexpr int32_t kMax = (int32_t{1} << (N - 1)) - 1;
  return x > kMax ? kMax : (x < -kMax - 1 ? -kMax - 1 : x);
}
template <int N>
MPQ_ALWAYS_INLINE int32_t usat(int32_t x) {
  constexpr int32_t kMax = (int32_t{1} << N) - 1;
  return x > kMax ? kMax : (x < 0 ? 0 : x);
}

#endif

}  // namespace mpq::kernels::dsp
