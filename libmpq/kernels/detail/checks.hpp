#pragma once
// Argument checks shared by the reference and fast kernels, so both refuse exactly the
// same arguments with the same Status. The small ones are inline: the fast kernels run
// them on every call.

#include <cstdint>

#include "libmpq/kernels/packing.hpp"
#include "libmpq/kernels/quant_params.hpp"
#include "libmpq/kernels/status.hpp"

namespace mpq::kernels::detail {

// bits in {2,4,8} (bad_bits), zero point a code of that width (bad_zero_point).
inline Status check_activation(const ActivationFormat& format) {
  if (!is_valid_bits(format.bits)) return Status::bad_bits;
  if (format.zero_point < 0 || format.zero_point >= (1 << format.bits)) {
    return Status::bad_zero_point;
  }
  return Status::ok;
}
// As above plus min <= max, both codes of that width (bad_clamp).
inline Status check_output(const OutputFormat& format) {
  const Status s = check_activation(ActivationFormat{format.bits, format.zero_point});
  if (s != Status::ok) return s;
  const int32_t top = (1 << format.bits) - 1;
  if (format.min < 0 || format.max > top || format.min > format.max) return Status::bad_clamp;
  return Status::ok;
}
inline Status check_weight_bits(int32_t bits) {
  return is_valid_bits(bits) ? Status::ok : Status::bad_bits;
}
// count entries: multiplier >= 0 and shift in [kMinShift, kMaxShift] (bad_multiplier).
Status check_requant(const int32_t* multiplier, const int32_t* shift, int32_t count);
// One spatial axis of a window: kernel >= 1 (bad_kernel), stride >= 1 (bad_stride),
// 0 <= pad < kernel (bad_padding), input >= 1 and an output size >= 1 (bad_shape).
Status check_window(int32_t input, int32_t kernel, int32_t stride, int32_t pad_before,
                    int32_t pad_after);
// Non-null, 4-byte aligned and at least `needed` bytes (bad_scratch).
Status check_scratch(const void* scratch, int32_t bytes, int32_t needed);

// The first status that is not ok, else ok: checks run in argument order.
constexpr Status first_error(Status a) { return a; }
template <typename... Rest>
constexpr Status first_error(Status a, Rest... rest) {
  return a != Status::ok ? a : first_error(rest...);
}

}  // namespace mpq::kernels::detail
