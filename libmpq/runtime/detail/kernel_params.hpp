// The kernels' parameter structs of one op record: shared by op_requirements (the checks
// and buffer sizes) and run_op (the calls), so that both see the same parameters.
#pragma once

#include "libmpq/kernels/average_pool.hpp"
#include "libmpq/kernels/convolve.hpp"
#include "libmpq/kernels/depthwise_convolve.hpp"
#include "libmpq/kernels/fully_connected.hpp"
#include "libmpq/kernels/global_average_pool.hpp"
#include "libmpq/kernels/max_pool.hpp"
#include "libmpq/kernels/pointwise_convolve.hpp"
#include "libmpq/kernels/residual_add.hpp"
#include "libmpq/runtime/op_record.hpp"

namespace mpq::rt::detail {

inline kernels::ActivationFormat input_format(const OpRecord& op) { return {op.input_bits, op.input_zero_point}; }

inline kernels::OutputFormat output_format(const OpRecord& op) {
  return {op.output_bits, op.output_zero_point, op.output_min, op.output_max};
}

inline kernels::ConvParams conv_params(const OpRecord& op) {
  const RecordWindow w = record_window(op);
  return {op.in_h,     op.in_w,       op.in_c,      op.out_c,     w.kernel_h,       w.kernel_w,
          w.stride_h,  w.stride_w,    w.pad_top,    w.pad_bottom, w.pad_left,       w.pad_right,
          input_format(op),           op.weight_bits,             output_format(op)};
}

inline kernels::PointwiseParams pointwise_params(const OpRecord& op) {
  return {op.in_h, op.in_w, op.in_c, op.out_c, input_format(op), op.weight_bits, output_format(op)};
}

inline kernels::DepthwiseParams depthwise_params(const OpRecord& op) {
  const RecordWindow w = record_window(op);
  return {op.in_h,      op.in_w,     op.in_c,          w.kernel_h,     w.kernel_w,
          w.stride_h,   w.stride_w,  w.pad_top,        w.pad_bottom,   w.pad_left,
          w.pad_right,  input_format(op), op.weight_bits, output_format(op)};
}

// The blob stores fully connected inputs as 1 x 1 x in_c (load_model requires in_h = in_w = 1).
inline kernels::FullyConnectedParams fully_connected_params(const OpRecord& op) {
  return {op.in_c, op.out_c, input_format(op), op.weight_bits, output_format(op)};
}

inline kernels::GlobalAveragePoolParams pool_params(const OpRecord& op) {
  return {op.in_h, op.in_w, op.in_c, input_format(op), output_format(op), op.input_multiplier, op.input_shift};
}

inline kernels::PoolGeometry pool_geometry(const OpRecord& op) {
  const RecordWindow w = record_window(op);
  return {op.in_h,     op.in_w,    op.in_c,      w.kernel_h, w.kernel_w, w.stride_h,
          w.stride_w,  w.pad_top,  w.pad_bottom, w.pad_left, w.pad_right};
}

inline kernels::MaxPoolParams max_pool_params(const OpRecord& op) { return {pool_geometry(op), op.input_bits}; }

inline kernels::AveragePoolParams average_pool_params(const OpRecord& op) {
  return {pool_geometry(op), (op.flags & blob::kOpFlagCountIncludePad) != 0 ? 1 : 0, input_format(op)};
}

inline kernels::ResidualAddParams add_params(const OpRecord& op) {
  return {op.out_h,
          op.out_w,
          op.out_c,
          input_format(op),
          {op.input2_bits, op.input2_zero_point},
          op.input_multiplier,
          op.input_shift,
          op.input2_multiplier,
          op.input2_shift,
          op.left_shift,
          output_format(op),
          op.output_multiplier,
          op.output_shift};
}

}  // namespace mpq::rt::detail
