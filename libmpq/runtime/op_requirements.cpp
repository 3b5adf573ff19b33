#include "libmpq/runtime/op_requirements.hpp"

#include "libmpq/kernels/packing.hpp"
#include "libmpq/runtime/detail/kernel_params.hpp"

namespace mpq::rt {

namespace {

int32_t weight_bytes(const OpRecord& op) {
  const RecordWindow w = record_window(op);
  switch (op.kind) {
    case blob::op_kind::conv:
      return kernels::conv_weight_bytes(op.out_c, w.kernel_h, w.kernel_w, op.in_c, op.weight_bits);
    case blob::op_kind::depthwise:
      return kernels::depthwise_weight_bytes(w.kernel_h, w.kernel_w, op.out_c, op.weight_bits);
    case blob::op_kind::fc: return kernels::fully_connected_weight_bytes(op.out_c, op.in_c, op.weight_bits);
    default: return 0;
  }
}

// The check of the op's kernel, and on success its fast variant's scratch size.
template <typename Params>
kernels::Status check(const Params& p, kernels::Status (*check_fn)(const Params&),
                      int32_t (*scratch_fn)(const Params&), int32_t* scratch) {
  const kernels::Status s = check_fn(p);
  if (s == kernels::Status::ok) *scratch = scratch_fn(p);
  return s;
}

}  // namespace

const char* op_kernel_name(OpKernel kernel) {
  static const char* const kNames[] = {"convolve",        "pointwise_convolve", "depthwise_convolve",
                                       "fully_connected", "residual_add",       "global_average_pool",
                                       "max_pool",        "average_pool"};
  static_assert(sizeof(kNames) / sizeof(kNames[0]) == kOpKernelCount, "one name per OpKernel");
  static_assert(static_cast<int>(OpKernel::average_pool) + 1 == kOpKernelCount, "kOpKernelCount counts OpKernel");
  const int k = static_cast<int>(kernel);
  return k < kOpKernelCount ? kNames[k] : "unknown";
}

OpKernel op_kernel(const OpRecord& op) {
  switch (op.kind) {
    case blob::op_kind::conv:
      // A long-form window is never 1x1/1 p0 (that one is square).
      return op.kernel == 1 && op.stride == 1 && op.padding == 0 && !has_long_window(op) ? OpKernel::pointwise_convolve
                                                                                          : OpKernel::convolve;
    case blob::op_kind::depthwise: return OpKernel::depthwise_convolve;
    case blob::op_kind::fc: return OpKernel::fully_connected;
    case blob::op_kind::add: return OpKernel::residual_add;
    case blob::op_kind::maxpool: return OpKernel::max_pool;
    case blob::op_kind::avgpool2d: return OpKernel::average_pool;
    default: return OpKernel::global_average_pool;
  }
}

OpRequirements op_requirements(const OpRecord& op) {
  namespace d = detail;
  OpRequirements r;
  r.kernel = op_kernel(op);
  switch (r.kernel) {
    case OpKernel::convolve:
      r.status = check(d::conv_params(op), kernels::convolve_check, kernels::convolve_fast_get_buffer_size, &r.scratch_bytes);
      break;
    case OpKernel::pointwise_convolve:
      r.status = check(d::pointwise_params(op), kernels::pointwise_convolve_check,
                       kernels::pointwise_convolve_fast_get_buffer_size, &r.scratch_bytes);
      break;
    case OpKernel::depthwise_convolve:
      r.status = check(d::depthwise_params(op), kernels::depthwise_convolve_check,
                       (op.flags & blob::kOpFlagOneChunk) != 0 ? kernels::depthwise_convolve_fast_get_one_chunk_buffer_size
                                                                : kernels::depthwise_convolve_fast_get_buffer_size,
                       &r.scratch_bytes);
      break;
    case OpKernel::fully_connected:
      r.status = check(d::fully_connected_params(op), kernels::fully_connected_check,
                       kernels::fully_connected_fast_get_buffer_size, &r.scratch_bytes);
      break;
    case OpKernel::residual_add: r.status = kernels::residual_add_check(d::add_params(op)); break;
    case OpKernel::global_average_pool: r.status = kernels::global_average_pool_check(d::pool_params(op)); break;
    case OpKernel::max_pool: r.status = kernels::max_pool_check(d::max_pool_params(op)); break;
    case OpKernel::average_pool: r.status = kernels::average_pool_check(d::average_pool_params(op)); break;
  }
  r.weight_bytes = weight_bytes(op);
  r.output_bytes = kernels::activation_bytes(op.out_h, op.out_w, op.out_c, op.output_bits);
  return r;
}

int32_t activation_buffer_bytes(int32_t h, int32_t w, int32_t c, int32_t bits) {
  return kernels::activation_bytes(h, w, c, bits);
}

}  // namespace mpq::rt
