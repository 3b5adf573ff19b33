#include "libmpq/runtime/detail/op_fields.hpp"

#include "libmpq/kernels/packing.hpp"
#include "libmpq/runtime/blob_format.hpp"
#include "libmpq/runtime/detail/read_le.hpp"

namespace mpq::rt::detail {

namespace {

namespace f = blob::op;

kernels::ActivationFormat input_format(const OpFields& op) { return {op.input_bits, op.input_zero_point}; }

kernels::OutputFormat output_format(const OpFields& op) {
  return {op.output_bits, op.output_zero_point, op.output_min, op.output_max};
}

kernels::ConvParams conv_params(const OpFields& op) {
  return {op.in_h,   op.in_w,    op.in_c,    op.out_c,   op.kernel,        op.kernel,
          op.stride, op.stride,  op.padding, op.padding, op.padding,       op.padding,
          input_format(op),      op.weight_bits,         output_format(op)};
}

kernels::PointwiseParams pointwise_params(const OpFields& op) {
  return {op.in_h, op.in_w, op.in_c, op.out_c, input_format(op), op.weight_bits, output_format(op)};
}

kernels::DepthwiseParams depthwise_params(const OpFields& op) {
  return {op.in_h,       op.in_w,       op.in_c,          op.kernel,        op.kernel,
          op.stride,     op.stride,     op.padding,       op.padding,       op.padding,
          op.padding,    input_format(op), op.weight_bits, output_format(op)};
}

// The blob stores fully connected inputs as 1x1xC (load_model requires in_h = in_w = 1).
kernels::FullyConnectedParams fully_connected_params(const OpFields& op) {
  return {op.in_c, op.out_c, input_format(op), op.weight_bits, output_format(op)};
}

kernels::GlobalAveragePoolParams pool_params(const OpFields& op) {
  return {op.in_h, op.in_w, op.in_c, input_format(op), output_format(op), op.input_multiplier, op.input_shift};
}

kernels::ResidualAddParams add_params(const OpFields& op) {
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

bool all_zero(const uint8_t* p, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i)
    if (p[i] != 0) return false;
  return true;
}

}  // namespace

OpFields read_op_fields(const uint8_t* r) {
  OpFields op;
  op.kind = r[f::kind];
  op.flags = r[f::flags];
  op.input_bits = r[f::input_bits];
  op.input2_bits = r[f::input2_bits];
  op.weight_bits = r[f::weight_bits];
  op.output_bits = r[f::output_bits];
  op.kernel = r[f::kernel];
  op.stride = r[f::stride];
  op.padding = r[f::padding];
  op.reserved_zero = all_zero(r + f::reserved0, f::in_h - f::reserved0) &&
                     all_zero(r + f::reserved1, blob::kOpRecordBytes - f::reserved1);
  op.in_h = read_u16(r + f::in_h);
  op.in_w = read_u16(r + f::in_w);
  op.in_c = read_u16(r + f::in_c);
  op.out_h = read_u16(r + f::out_h);
  op.out_w = read_u16(r + f::out_w);
  op.out_c = read_u16(r + f::out_c);
  op.input_buffer = read_u16(r + f::input_buffer);
  op.input2_buffer = read_u16(r + f::input2_buffer);
  op.output_buffer = read_u16(r + f::output_buffer);
  op.scratch_buffer = read_u16(r + f::scratch_buffer);
  op.input_zero_point = read_i32(r + f::input_zero_point);
  op.input2_zero_point = read_i32(r + f::input2_zero_point);
  op.output_zero_point = read_i32(r + f::output_zero_point);
  op.output_min = read_i32(r + f::output_min);
  op.output_max = read_i32(r + f::output_max);
  op.input_multiplier = read_i32(r + f::input_multiplier);
  op.input_shift = read_i32(r + f::input_shift);
  op.input2_multiplier = read_i32(r + f::input2_multiplier);
  op.input2_shift = read_i32(r + f::input2_shift);
  op.output_multiplier = read_i32(r + f::output_multiplier);
  op.output_shift = read_i32(r + f::output_shift);
  op.left_shift = read_i32(r + f::left_shift);
  op.weights_offset = read_u32(r + f::weights_offset);
  op.weights_bytes = read_u32(r + f::weights_bytes);
  op.channel_params_offset = read_u32(r + f::channel_params_offset);
  return op;
}

OpKernel op_kernel(const OpFields& op) {
  switch (op.kind) {
    case blob::op_kind::conv:
      return op.kernel == 1 && op.stride == 1 && op.padding == 0 ? OpKernel::pointwise_convolve : OpKernel::convolve;
    case blob::op_kind::depthwise: return OpKernel::depthwise_convolve;
    case blob::op_kind::fc: return OpKernel::fully_connected;
    case blob::op_kind::add: return OpKernel::residual_add;
    default: return OpKernel::global_average_pool;
  }
}

bool op_has_weights(const OpFields& op) {
  return op.kind == blob::op_kind::conv || op.kind == blob::op_kind::depthwise || op.kind == blob::op_kind::fc;
}

kernels::Status check_op(const OpFields& op, int32_t* fast_scratch_bytes) {
  kernels::Status s = kernels::Status::ok;
  int32_t scratch = 0;
  switch (op_kernel(op)) {
    case OpKernel::convolve: {
      const kernels::ConvParams p = conv_params(op);
      s = kernels::convolve_check(p);
      if (s == kernels::Status::ok) scratch = kernels::convolve_fast_get_buffer_size(p);
      break;
    }
    case OpKernel::pointwise_convolve: {
      const kernels::PointwiseParams p = pointwise_params(op);
      s = kernels::pointwise_convolve_check(p);
      if (s == kernels::Status::ok) scratch = kernels::pointwise_convolve_fast_get_buffer_size(p);
      break;
    }
    case OpKernel::depthwise_convolve: {
      const kernels::DepthwiseParams p = depthwise_params(op);
      s = kernels::depthwise_convolve_check(p);
      if (s == kernels::Status::ok) scratch = kernels::depthwise_convolve_fast_get_buffer_size(p);
      break;
    }
    case OpKernel::fully_connected: {
      const kernels::FullyConnectedParams p = fully_connected_params(op);
      s = kernels::fully_connected_check(p);
      if (s == kernels::Status::ok) scratch = kernels::fully_connected_fast_get_buffer_size(p);
      break;
    }
    case OpKernel::residual_add: s = kernels::residual_add_check(add_params(op)); break;
    case OpKernel::global_average_pool: s = kernels::global_average_pool_check(pool_params(op)); break;
  }
  *fast_scratch_bytes = scratch;
  return s;
}

int32_t op_weight_bytes(const OpFields& op) {
  switch (op.kind) {
    case blob::op_kind::conv: return kernels::conv_weight_bytes(op.out_c, op.kernel, op.kernel, op.in_c, op.weight_bits);
    case blob::op_kind::depthwise: return kernels::depthwise_weight_bytes(op.kernel, op.kernel, op.out_c, op.weight_bits);
    case blob::op_kind::fc: return kernels::fully_connected_weight_bytes(op.out_c, op.in_c, op.weight_bits);
    default: return 0;
  }
}

kernels::Status run_op(const OpFields& op, const OpTensors& t, bool reference) {
  switch (op_kernel(op)) {
    case OpKernel::convolve:
      return reference ? kernels::convolve_ref(conv_params(op), t.input, t.weights, t.bias, t.multiplier, t.shift,
                                               t.output)
                       : kernels::convolve_fast(conv_params(op), t.input, t.weights, t.bias, t.multiplier, t.shift,
                                                t.scratch, t.scratch_bytes, t.output);
    case OpKernel::pointwise_convolve:
      return reference ? kernels::pointwise_convolve_ref(pointwise_params(op), t.input, t.weights, t.bias,
                                                         t.multiplier, t.shift, t.output)
                       : kernels::pointwise_convolve_fast(pointwise_params(op), t.input, t.weights, t.bias,
                                                          t.multiplier, t.shift, t.scratch, t.scratch_bytes,
                                                          t.output);
    case OpKernel::depthwise_convolve:
      return reference ? kernels::depthwise_convolve_ref(depthwise_params(op), t.input, t.weights, t.bias,
                                                         t.multiplier, t.shift, t.output)
                       : kernels::depthwise_convolve_fast(depthwise_params(op), t.input, t.weights, t.bias,
                                                          t.multiplier, t.shift, t.scratch, t.scratch_bytes,
                                                          t.output);
    case OpKernel::fully_connected:
      return reference ? kernels::fully_connected_ref(fully_connected_params(op), t.input, t.weights, t.bias,
                                                      t.multiplier, t.shift, t.output)
                       : kernels::fully_connected_fast(fully_connected_params(op), t.input, t.weights, t.bias,
                                                       t.multiplier, t.shift, t.scratch, t.scratch_bytes, t.output);
    case OpKernel::residual_add:
      return reference ? kernels::residual_add_ref(add_params(op), t.input, t.input2, t.output)
                       : kernels::residual_add_fast(add_params(op), t.input, t.input2, t.output);
    case OpKernel::global_average_pool:
      return reference ? kernels::global_average_pool_ref(pool_params(op), t.input, t.output)
                       : kernels::global_average_pool_fast(pool_params(op), t.input, t.output);
  }
  return kernels::Status::bad_shape;
}

}  // namespace mpq::rt::detail
