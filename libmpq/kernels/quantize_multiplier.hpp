#pragma once
// Host-side (also freestanding) conversion of a real requantization multiplier into the
// integer pair used by requantize(): real ~= multiplier * 2^(shift - 31).

#include <cstdint>

#include "libmpq/kernels/status.hpp"

namespace mpq::kernels {

// Requires 0 <= real < 2^30 and finite (else bad_multiplier). On success multiplier is
// round(q * 2^31) with real = q * 2^shift, q in [0.5, 1) (so multiplier in [2^30, 2^31-1]).
// real == 0 gives (0, 0). Multipliers below 2^-32 cannot keep shift >= -31: they get
// shift = -31 and a multiplier below 2^30, rounded (possibly to 0). Same result on every
// target: only IEEE double multiplications by powers of two and one rounding.
Status quantize_multiplier(double real, int32_t* multiplier, int32_t* shift);

}  // namespace mpq::kernels
