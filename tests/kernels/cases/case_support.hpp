#pragma once
// Freestanding helpers for the random kernel cases, compiled into the host tests, the
// firmware tests and the build-time golden generator alike: a seeded RNG, a bump arena, a
// checksum and a tiny text builder (no <cstdio>, no heap), all integer-only so every
// target generates and hashes exactly the same cases.

#include <cstddef>
#include <cstdint>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define MPQ_ARENA_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define MPQ_ARENA_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define MPQ_ARENA_POISON(p, n) ((void)(p), (void)(n))
#define MPQ_ARENA_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace mpq::kernels::testing {

// SplitMix64: small, fast, and identical on every target.
class CaseRng {
 public:
  explicit CaseRng(uint64_t seed) : state_(seed) {}
  uint64_t next64() {
    state_ += 0x9E3779B97F4A7C15ull;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint32_t next() { return static_cast<uint32_t>(next64() >> 32); }
  // Uniform-enough integer in [lo, hi].
  int32_t range(int32_t lo, int32_t hi) {
    const uint64_t span = static_cast<uint64_t>(static_cast<int64_t>(hi) - lo + 1);
    return static_cast<int32_t>(lo + static_cast<int64_t>(next() % span));
  }
  // True with probability percent / 100.
  bool percent(int32_t percent) { return range(0, 99) < percent; }
  // One of the n values of a table.
  template <typename T, size_t N>
  T pick(const T (&table)[N]) {
    return table[range(0, static_cast<int32_t>(N) - 1)];
  }
  void fill(uint8_t* bytes, int32_t n) {
    for (int32_t i = 0; i < n; ++i) bytes[i] = static_cast<uint8_t>(next() >> 24);
  }

 private:
  uint64_t state_;
};

// Bump allocator over a caller's buffer; 8-byte aligned blocks. Under AddressSanitizer the
// bytes between blocks are poisoned, so a kernel reading past one of its buffers fails.
class Arena {
 public:
  Arena(uint8_t* base, size_t size) : base_(base), size_(size) {}
  // nullptr when the arena is exhausted.
  uint8_t* take(int64_t bytes) {
    const size_t start = (used_ + 7u) & ~static_cast<size_t>(7u);
    if (bytes < 0 || start + static_cast<size_t>(bytes) + kRedzone > size_) return nullptr;
    used_ = start + static_cast<size_t>(bytes) + kRedzone;
    MPQ_ARENA_POISON(base_ + start + bytes, kRedzone);
    return base_ + start;
  }
  void reset() {
    MPQ_ARENA_UNPOISON(base_, size_);
    used_ = 0;
  }
  size_t used() const { return used_; }

 private:
#if defined(__SANITIZE_ADDRESS__)
  static constexpr size_t kRedzone = 16;
#else
  static constexpr size_t kRedzone = 0;
#endif
  uint8_t* base_;
  size_t size_;
  size_t used_ = 0;
};

// FNV-1a, 32 bits.
inline uint32_t fnv1a(uint32_t hash, const uint8_t* bytes, int64_t n) {
  for (int64_t i = 0; i < n; ++i) hash = (hash ^ bytes[i]) * 16777619u;
  return hash;
}
constexpr uint32_t kFnvInit = 2166136261u;

// Appends text and integers to a fixed buffer, always NUL-terminated, silently truncated.
class Text {
 public:
  Text(char* buffer, size_t size) : buf_(buffer), size_(size) {
    if (size_ > 0) buf_[0] = '\0';
  }
  Text& operator<<(const char* s) {
    while (*s != '\0') put(*s++);
    return *this;
  }
  Text& operator<<(int64_t v) {
    char digits[24];
    int n = 0;
    uint64_t u = v < 0 ? static_cast<uint64_t>(-(v + 1)) + 1u : static_cast<uint64_t>(v);
    do {
      digits[n++] = static_cast<char>('0' + u % 10u);
      u /= 10u;
    } while (u != 0);
    if (v < 0) put('-');
    while (n > 0) put(digits[--n]);
    return *this;
  }
  Text& operator<<(int32_t v) { return *this << static_cast<int64_t>(v); }

 private:
  void put(char c) {
    if (len_ + 1 < size_) {
      buf_[len_++] = c;
      buf_[len_] = '\0';
    }
  }
  char* buf_;
  size_t size_;
  size_t len_ = 0;
};

}  // namespace mpq::kernels::testing
