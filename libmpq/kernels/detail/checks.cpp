#include "libmpq/kernels/detail/checks.hpp"

#include <cstddef>

#include "libmpq/kernels/packing.hpp"
#include "libmpq/kernels/requantize.hpp"

namespace mpq::kernels::detail {

Status check_requant(const int32_t* multiplier, const int32_t* shift, int32_t count) {
  if (multiplier == nullptr || shift == nullptr) return Status::null_pointer;
  // is_valid_requant for every channel without a branch per channel (the fast kernels run
  // this on every call): multiplier, shift - kMinShift and kMaxShift - shift are all
  // non-negative exactly when the channel is valid, so their sign bits ORed over all
  // channels flag any invalid one. Unsigned arithmetic: out-of-range shifts wrap to a set
  // sign bit too.
  uint32_t negative = 0;
  for (int32_t i = 0; i < count; ++i) {
    const uint32_t s = static_cast<uint32_t>(shift[i]);
    negative |= static_cast<uint32_t>(multiplier[i]) | (s - static_cast<uint32_t>(kMinShift)) |
                (static_cast<uint32_t>(kMaxShift) - s);
  }
  return (negative >> 31) != 0 ? Status::bad_multiplier : Status::ok;
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
