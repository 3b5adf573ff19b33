#pragma once
// libmpq/kernels: freestanding integer kernels for mixed-precision (2/4/8-bit) quantized
// CNNs, shared by the host and Cortex-M. No heap, no exceptions, fixed-width types, caller-
// owned scratch. Every kernel returns a Status; docs/kernels.md states the contract.

#include <cstdint>

namespace mpq::kernels {

// Why a kernel refused its arguments. Kernels validate everything before touching the
// output, so on any status other than ok the output is unchanged.
enum class Status : int32_t {
  ok = 0,
  null_pointer,    // a required pointer is null
  bad_bits,        // a bit width is not 2, 4 or 8
  bad_shape,       // a dimension < 1, an output size < 1, or a byte size over INT32_MAX
  bad_kernel,      // kernel height or width < 1
  bad_stride,      // stride < 1
  bad_padding,     // a padding < 0 or >= the kernel size along its axis
  bad_zero_point,  // an activation zero point outside [0, 2^bits - 1]
  bad_clamp,       // output min > max, or either outside [0, 2^bits - 1]
  bad_multiplier,  // a requantization multiplier < 0, or a shift outside [-31, 30]
  too_deep,        // reduction depth over kMaxReductionDepth (int32 accumulator bound)
  bad_scratch,     // scratch null, smaller than ..._get_buffer_size(), or not 4-byte aligned
  bad_value,       // a value to pack does not fit in its bit width
};
constexpr int32_t kStatusCount = 13;

// A short constant English name, e.g. "bad_padding"; "unknown" for values out of range.
const char* status_name(Status status);

}  // namespace mpq::kernels
