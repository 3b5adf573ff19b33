#include "libmpq/runtime/detail/run_op.hpp"

#include "libmpq/runtime/detail/kernel_call.hpp"
#include "libmpq/runtime/detail/kernel_params.hpp"

namespace mpq::rt::detail {

Status run_call(const KernelTable& table, const OpVariant& variant, const mpq_fw_kernel_call& call, bool reference) {
  const mpq_fw_kernel* k = find_kernel(table, variant);
  const mpq_fw_kernel_fn fn = k == nullptr ? nullptr : reference ? k->reference : k->fast;
  if (fn == nullptr) return Status::kernel_not_linked;
  return fn(&call) == static_cast<int32_t>(kernels::Status::ok) ? Status::ok : Status::kernel_failed;
}

Status run_op(const KernelTable& table, const OpRecord& op, const OpTensors& t, bool reference) {
  mpq_fw_kernel_call call;
  call.t = t;
  switch (op_kernel(op)) {
    case OpKernel::convolve: call.params.conv = conv_params(op); break;
    case OpKernel::pointwise_convolve: call.params.pointwise = pointwise_params(op); break;
    case OpKernel::depthwise_convolve: call.params.depthwise = depthwise_params(op); break;
    case OpKernel::fully_connected: call.params.fully_connected = fully_connected_params(op); break;
    case OpKernel::residual_add: call.params.add = add_params(op); break;
    case OpKernel::global_average_pool: call.params.global_pool = pool_params(op); break;
    case OpKernel::max_pool: call.params.max_pool = max_pool_params(op); break;
    case OpKernel::average_pool: call.params.average_pool = average_pool_params(op); break;
  }
  return run_call(table, op_variant(op), call, reference);
}

}  // namespace mpq::rt::detail
