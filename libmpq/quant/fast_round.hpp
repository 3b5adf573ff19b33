#pragma once

#include <cmath>

namespace mpq {

// Rounds to the nearest integer, ties away from zero, for |v| < 2^22, without a library
// call so that loops vectorize. Ties away from zero is what the integer kernels'
// requantization does for the exact halves that matter: a global average pool over 2x2
// pixels divides code sums by 4, and the fake-quant model must round those the same way.
// Adding 1.5 * 2^23 pushes the fraction bits out of the float (nearest, ties to even);
// a tie is then moved away from zero. Callers clamp v first.
inline float round_small(float v) {
  const float r = (v + 12582912.f) - 12582912.f;
  return std::fabs(v - r) == 0.5f ? v + std::copysign(0.5f, v) : r;
}

}  // namespace mpq
