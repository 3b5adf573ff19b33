#pragma once
// The per-element arithmetic of residual_add (see residual_add.hpp), shared by the
// reference and the fast kernel so the two cannot drift apart.

#include <cstdint>

#include "libmpq/kernels/detail/dsp.hpp"
#include "libmpq/kernels/requantize.hpp"
#include "libmpq/kernels/residual_add.hpp"

namespace mpq::kernels::detail {

MPQ_ALWAYS_INLINE uint32_t add_element(const ResidualAddParams& p, int32_t a, int32_t b) {
  const int32_t sa = requantize((a - p.a.zero_point) * (1 << p.left_shift), p.a_multiplier, p.a_shift);
  const int32_t sb = requantize((b - p.b.zero_point) * (1 << p.left_shift), p.b_multiplier, p.b_shift);
  const int64_t sum = static_cast<int64_t>(sa) + sb;
  const int32_t sat = sum > INT32_MAX ? INT32_MAX : (sum < INT32_MIN ? INT32_MIN : static_cast<int32_t>(sum));
  return requantize_to_code(sat, p.output_multiplier, p.output_shift, p.output.zero_point,
                            p.output.min, p.output.max);
}

}  // namespace mpq::kernels::detail
