#include "libmpq/mcu/op_scratch_bytes.hpp"

#include <string>

#include "libmpq/core/error.hpp"
#include "libmpq/kernels/convolve.hpp"
#include "libmpq/kernels/depthwise_convolve.hpp"
#include "libmpq/kernels/fully_connected.hpp"
#include "libmpq/kernels/global_average_pool.hpp"
#include "libmpq/kernels/pointwise_convolve.hpp"
#include "libmpq/kernels/residual_add.hpp"

namespace mpq {

namespace {

int32_t i32(int64_t v) { return v > INT32_MAX ? INT32_MAX : static_cast<int32_t>(v); }

void require_ok(kernels::Status status, const QOp& op, OpKernel kernel) {
  if (status != kernels::Status::ok)
    throw Error("memory model: op '" + op.name + "' cannot run on " + op_kernel_name(kernel) + " (" +
                kernels::status_name(status) + ")");
}

}  // namespace

OpKernel op_kernel(const QOp& op) {
  switch (op.kind) {
    case QOpKind::conv:
      return op.kernel == 1 && op.stride == 1 && op.padding == 0 ? OpKernel::pointwise_convolve_fast
                                                                  : OpKernel::convolve_fast;
    case QOpKind::depthwise: return OpKernel::depthwise_convolve_fast;
    case QOpKind::fc: return OpKernel::fully_connected_fast;
    case QOpKind::add: return OpKernel::residual_add_fast;
    default: return OpKernel::global_average_pool_fast;
  }
}

const char* op_kernel_name(OpKernel kernel) {
  static const char* const names[] = {"convolve_fast",        "pointwise_convolve_fast", "depthwise_convolve_fast",
                                      "fully_connected_fast", "residual_add_fast",       "global_average_pool_fast"};
  static_assert(sizeof(names) / sizeof(names[0]) == static_cast<size_t>(OpKernel::global_average_pool_fast) + 1,
                "one name per OpKernel");
  return names[static_cast<int>(kernel)];
}

uint32_t op_scratch_bytes(const QOp& op, const OpBits& bits) {
  const kernels::ActivationFormat in{bits.input_bits[0], 0};
  const kernels::OutputFormat out = kernels::full_range_output(bits.output_bits, 0);
  const int32_t pad = i32(op.padding);
  const OpKernel kernel = op_kernel(op);
  int32_t bytes = 0;
  switch (kernel) {
    case OpKernel::convolve_fast: {
      const kernels::ConvParams p{i32(op.in_h), i32(op.in_w),   i32(op.in_c), i32(op.out_c), i32(op.kernel),
                                  i32(op.kernel), i32(op.stride), i32(op.stride), pad, pad, pad, pad, in,
                                  bits.weight_bits, out};
      require_ok(kernels::convolve_check(p), op, kernel);
      bytes = kernels::convolve_fast_get_buffer_size(p);
      break;
    }
    case OpKernel::pointwise_convolve_fast: {
      const kernels::PointwiseParams p{i32(op.in_h), i32(op.in_w), i32(op.in_c), i32(op.out_c), in,
                                       bits.weight_bits, out};
      require_ok(kernels::pointwise_convolve_check(p), op, kernel);
      bytes = kernels::pointwise_convolve_fast_get_buffer_size(p);
      break;
    }
    case OpKernel::depthwise_convolve_fast: {
      const kernels::DepthwiseParams p{i32(op.in_h),   i32(op.in_w),   i32(op.in_c), i32(op.kernel), i32(op.kernel),
                                       i32(op.stride), i32(op.stride), pad,          pad,            pad,
                                       pad,            in,             bits.weight_bits, out};
      require_ok(kernels::depthwise_convolve_check(p), op, kernel);
      bytes = kernels::depthwise_convolve_fast_get_buffer_size(p);
      break;
    }
    case OpKernel::fully_connected_fast: {
      const kernels::FullyConnectedParams p{i32(op.in_h * op.in_w * op.in_c), i32(op.out_c), in, bits.weight_bits, out};
      require_ok(kernels::fully_connected_check(p), op, kernel);
      bytes = kernels::fully_connected_fast_get_buffer_size(p);
      break;
    }
    case OpKernel::global_average_pool_fast: {
      const kernels::GlobalAveragePoolParams p{i32(op.in_h), i32(op.in_w), i32(op.in_c), in, out, 1 << 30, 0};
      require_ok(kernels::global_average_pool_check(p), op, kernel);
      bytes = 0;
      break;
    }
    case OpKernel::residual_add_fast: {
      const kernels::ResidualAddParams p{i32(op.out_h), i32(op.out_w), i32(op.out_c), in, {bits.input_bits[1], 0},
                                         1 << 30, 0, 1 << 30, 0, 20, out, 1 << 30, 0};
      require_ok(kernels::residual_add_check(p), op, kernel);
      bytes = 0;
      break;
    }
  }
  return static_cast<uint32_t>(bytes);
}

}  // namespace mpq
