// One op record decoded, and the kernel that runs it: shared by load_model (which checks
// every op once) and run_model (which then calls the kernels with the same parameters).
#pragma once

#include <cstdint>

#include "libmpq/kernels/convolve.hpp"
#include "libmpq/kernels/depthwise_convolve.hpp"
#include "libmpq/kernels/fully_connected.hpp"
#include "libmpq/kernels/global_average_pool.hpp"
#include "libmpq/kernels/pointwise_convolve.hpp"
#include "libmpq/kernels/residual_add.hpp"

namespace mpq::rt::detail {

// The fields of an op record (blob::op), widened to int32 where the kernels take int32.
struct OpFields {
  uint8_t kind, flags;
  int32_t input_bits, input2_bits, weight_bits, output_bits;
  int32_t kernel, stride, padding;
  bool reserved_zero;  // both reserved byte ranges are 0
  int32_t in_h, in_w, in_c, out_h, out_w, out_c;
  uint16_t input_buffer, input2_buffer, output_buffer, scratch_buffer;
  int32_t input_zero_point, input2_zero_point, output_zero_point;
  int32_t output_min, output_max;
  int32_t input_multiplier, input_shift;
  int32_t input2_multiplier, input2_shift;
  int32_t output_multiplier, output_shift;
  int32_t left_shift;
  uint32_t weights_offset, weights_bytes, channel_params_offset;
};

// Requires `record` to hold blob::kOpRecordBytes bytes.
OpFields read_op_fields(const uint8_t* record);

// The kernel family of an op. A conv with a 1x1 kernel, stride 1 and no padding runs on
// pointwise_convolve, the rule libmpq/mcu's memory model sizes scratch with.
enum class OpKernel : uint8_t {
  convolve,
  pointwise_convolve,
  depthwise_convolve,
  fully_connected,
  residual_add,
  global_average_pool,
};

// Requires op.kind < blob::op_kind::count.
OpKernel op_kernel(const OpFields& op);
bool op_has_weights(const OpFields& op);

// The op's kernel *_check on the record's parameters; on ok, *fast_scratch_bytes is the
// fast kernel's scratch size (0 for kernels without scratch).
kernels::Status check_op(const OpFields& op, int32_t* fast_scratch_bytes);

// Packed weight bytes of a weighted op under its record's shape and bits (0 otherwise).
int32_t op_weight_bytes(const OpFields& op);

// Pointers of one op's call. input2 only for adds; weights and per-channel arrays only for
// weighted ops; scratch only for the fast kernels (non-null, 4-byte aligned).
struct OpTensors {
  const uint8_t* input;
  const uint8_t* input2;
  const uint8_t* weights;
  const int32_t* bias;
  const int32_t* multiplier;
  const int32_t* shift;
  void* scratch;
  int32_t scratch_bytes;
  uint8_t* output;
};

kernels::Status run_op(const OpFields& op, const OpTensors& t, bool reference);

}  // namespace mpq::rt::detail
