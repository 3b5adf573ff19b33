#pragma once

namespace mpq {

// Rounds to the nearest integer, ties to even (like std::nearbyint in the default
// rounding mode), for |v| < 2^22, without a library call so that loops vectorize:
// adding 1.5 * 2^23 pushes the fraction bits out of the float. Callers clamp v first.
inline float round_small(float v) { return (v + 12582912.f) - 12582912.f; }

}  // namespace mpq
