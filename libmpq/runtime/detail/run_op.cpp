#include "libmpq/runtime/detail/run_op.hpp"

#include "libmpq/runtime/detail/kernel_params.hpp"
#include "libmpq/runtime/op_requirements.hpp"

namespace mpq::rt::detail {

kernels::Status run_op(const OpRecord& op, const OpTensors& t, bool reference) {
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
    case OpKernel::max_pool:
      return reference ? kernels::max_pool_ref(max_pool_params(op), t.input, t.output)
                       : kernels::max_pool_fast(max_pool_params(op), t.input, t.output);
    case OpKernel::average_pool:
      return reference ? kernels::average_pool_ref(average_pool_params(op), t.input, t.output)
                       : kernels::average_pool_fast(average_pool_params(op), t.input, t.output);
  }
  return kernels::Status::bad_shape;
}

}  // namespace mpq::rt::detail
