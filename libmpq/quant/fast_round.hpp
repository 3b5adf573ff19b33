#pragma once

#include <cmath>

namespace mpq {

// Rounds to the nearest integer, ties toward +infinity (floor(v + 0.5)), for |v| < 2^22,
// without a library call so that loops vectorize. Ties toward +infinity is what the
// integer kernels' requantization does ((acc * M0 + 2^(n-1)) >> n), and exact halves
// matter: a global average pool over 2x2 pixels divides code sums by 4, and the
// fake-quant model must round those as the device does. Adding 1.5 * 2^23 pushes the
// fraction bits out of the float (nearest, ties to even); a tie is then moved up.
// Callers clamp v first.
inline float round_small(float v) {
  const float r = (v + 12582912.f) - 12582912.f;
  return std::fabs(v - r) == 0.5f ? v + 0.5f : r;
}

}  // namespace mpq
