#pragma once
// Random kernel cases, shared by the host tests, the firmware tests under QEMU and the
// build-time golden generator: each case draws a shape (biased towards the edge cases:
// 1 channel, odd channel counts, stride 2 with odd sizes, padding on every side), bit widths
// (cycling through every combination), zero points, clamps and requantization parameters
// (including saturating ones), fills every packed tensor with random bytes (padding bits
// included, which kernels must ignore), runs the reference and the fast kernel and compares
// every output byte. The checksum hashes every reference output, so the same seed must give
// the same checksum on every target.

#include <cstdint>

#include "tests/kernels/cases/case_support.hpp"

namespace mpq::kernels::testing {

enum class Family : int32_t {
  convolve,
  depthwise_convolve,
  pointwise_convolve,
  fully_connected,
  global_average_pool,
  residual_add,
  max_pool,
  average_pool,
};
constexpr int32_t kFamilyCount = 8;
const char* family_name(Family family);

struct CaseReport {
  int32_t cases = 0;
  int32_t failures = 0;
  uint32_t checksum = kFnvInit;
  char first_failure[320] = {};  // empty when failures == 0
};

// Runs `count` cases of `family` from `seed`, using `arena` for every buffer (a case that
// does not fit counts as a failure). Case i uses bit combination i % (number of combos).
CaseReport run_cases(Family family, uint64_t seed, int32_t count, Arena& arena);

// Bytes of arena that run_cases needs at most, for any seed and count.
constexpr size_t kCaseArenaBytes = 160 * 1024;

}  // namespace mpq::kernels::testing
