#pragma once
// Host-side helpers shared by the kernel test files.

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <ostream>
#include <vector>

#include "tests/kernels/cases/case_support.hpp"
#include "tests/kernels/cases/kernel_cases.hpp"
#include "tests/kernels/oracle.hpp"
#include "libmpq/kernels/status.hpp"

namespace mpq::kernels {
// Lets Boost.Test print statuses by name.
inline std::ostream& operator<<(std::ostream& os, Status s) { return os << status_name(s); }
}  // namespace mpq::kernels

inline std::vector<uint8_t> random_vector(mpq::kernels::testing::CaseRng& rng, int64_t n) {
  std::vector<uint8_t> v(static_cast<size_t>(n));
  rng.fill(v.data(), static_cast<int32_t>(n));
  return v;
}

// A 4-byte aligned pointer inside v (v must have 3 spare bytes).
inline void* aligned4(std::vector<uint8_t>& v) {
  uintptr_t p = reinterpret_cast<uintptr_t>(v.data());
  return reinterpret_cast<void*>((p + 3) & ~uintptr_t{3});
}

inline int32_t ceil_log2_host(int64_t v) {
  int32_t n = 0;
  while ((int64_t{1} << n) < v) ++n;
  return n;
}

// Every row of `rows` packed rows of `count` values has zero padding bits.
inline bool padding_bits_are_zero(const std::vector<uint8_t>& packed, int64_t rows, int32_t count,
                                  int32_t bits) {
  const int64_t row = mpq::kernels::oracle::row_bytes(count, bits);
  const int32_t used = static_cast<int32_t>((int64_t{count} * bits) % 8);
  if (used == 0) return true;
  for (int64_t r = 0; r < rows; ++r) {
    if ((packed[static_cast<size_t>(r * row + row - 1)] >> used) != 0) return false;
  }
  return true;
}

// Runs the shared random cases of a family and reports the first failing case.
inline void expect_no_failures(mpq::kernels::testing::Family family, uint64_t seed, int32_t count) {
  static std::vector<uint8_t> arena_bytes(mpq::kernels::testing::kCaseArenaBytes);
  mpq::kernels::testing::Arena arena(arena_bytes.data(), arena_bytes.size());
  const auto report = mpq::kernels::testing::run_cases(family, seed, count, arena);
  BOOST_TEST(report.cases == count);
  BOOST_TEST(report.failures == 0, mpq::kernels::testing::family_name(family)
                                       << ": " << report.failures << " of " << report.cases
                                       << " cases failed; first: " << report.first_failure);
}
