#include "libmpq/kernels/detail/checks.hpp"

#include <cstddef>

#include "libmpq/kernels/packing.hpp"
#include "libmpq/kernels/requantize.hpp"

namespace mpq::kernels::detail {

Status check_activation(const ActivationFormat& format) {
  if (!is_valid_bits(format.bits)) return Status::bad_bits;
  if (format.zero_point < 0 || format.zero_point >= (1 << format.bits)) {
    return Status::bad_zero_point;
  }
  return Status::ok;
}

Status check_output(const OutputFormat& format) {
  const Status s = check_activation(ActivationFormat{format.bits, format.zero_point});
  if (s != Status::ok) return s;
  const int32_t top = (1 << format.bits) - 1;
  if (format.min < 0 || format.max > top || format.min > format.max) return Status::bad_clamp;
  return Status::ok;
}

Status check_weight_bits(int32_t bits) {
  return is_valid_bits(bits) ? Status::ok : Status::bad_bits;
}

Status check_requant(const int32_t* multiplier, const int32_t* shift, int32_t count) {
  if (multiplier == nullptr || shift == nullptr) return Status::null_pointer;
  for (int32_t i = 0; i < count; ++i) {
    if (!is_valid_requant(multiplier[i], shift[i])) return Status::bad_multiplier;
  }
  return Status::ok;
}

Status check_window(int32_t input, int32_t kernel, int32_t stride, int32_t pad_before,
                    int32_t pad_after) {
  if (kernel < 1) return Status::bad_kernel;
  if (stride < 1) return Status::bad_stride;
  if (pad_before < 0 || pad_after < 0 || pad_before >= kernel || pad_after >= kernel) {
    return Status::bad_padding;
  }
  if (input < 1 || static_cast<int64_t>(input) + pad_before + pad_after < kernel) {
    return Status::bad_shape;
  }
  return Status::ok;
}

Status check_scratch(const void* scratch, int32_t bytes, int32_t needed) {
  if (scratch == nullptr || bytes < needed ||
      (reinterpret_cast<uintptr_t>(scratch) & 3u) != 0) {
    return Status::bad_scratch;
  }
  return Status::ok;
}

}  // namespace mpq::kernels::detail
