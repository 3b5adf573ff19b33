// The variant functions of mpq_fw_kernels.h: each a thin instantiation over the kernel
// entry its widths select (kernels' *_fast_bits), so that a variant reaches only the code
// of its widths and the hot loops are the kernels' own. Variants whose kernel specializes
// on fewer widths than the variant names share that code (identical bodies may be folded
// by the compiler): e.g. convolve_fast_bits<4> serves every convolve variant with 4-bit
// weights.
#include "libmpq/runtime/detail/kernel_call.hpp"
#include "libmpq/runtime/mpq_fw_kernels.h"

namespace mpq::rt::detail {

namespace {

namespace k = kernels;

int32_t code(k::Status s) { return static_cast<int32_t>(s); }

// Fast: the kernels' single-width entries; W is the weights' width, X the input's.
template <int X, int W, int O>
int32_t convolve_fast(const mpq_fw_kernel_call& c) {
  const OpTensors& t = c.t;
  return code(k::convolve_fast_bits<W>(c.params.conv, t.input, t.weights, t.bias, t.multiplier, t.shift, t.scratch,
                                       t.scratch_bytes, t.output));
}
template <int X, int W, int O>
int32_t pointwise_convolve_fast(const mpq_fw_kernel_call& c) {
  const OpTensors& t = c.t;
  return code(k::pointwise_convolve_fast_bits<W>(c.params.pointwise, t.input, t.weights, t.bias, t.multiplier,
                                                 t.shift, t.scratch, t.scratch_bytes, t.output));
}
template <int X, int W, int O>
int32_t depthwise_convolve_fast(const mpq_fw_kernel_call& c) {
  const OpTensors& t = c.t;
  // One entry for every width: split per input width, GCC inlined the depthwise pixel
  // loops differently and 2-bit models ran 6% more instructions (docs/porting.md).
  return code(k::depthwise_convolve_fast(c.params.depthwise, t.input, t.weights, t.bias, t.multiplier, t.shift,
                                         t.scratch, t.scratch_bytes, t.output));
}
template <int X, int W, int O>
int32_t fully_connected_fast(const mpq_fw_kernel_call& c) {
  const OpTensors& t = c.t;
  return code(k::fully_connected_fast_bits<W>(c.params.fully_connected, t.input, t.weights, t.bias, t.multiplier,
                                              t.shift, t.scratch, t.scratch_bytes, t.output));
}
template <int X, int W, int O>
int32_t residual_add_fast(const mpq_fw_kernel_call& c) {
  return code(k::residual_add_fast(c.params.add, c.t.input, c.t.input2, c.t.output));
}
template <int X, int W, int O>
int32_t global_average_pool_fast(const mpq_fw_kernel_call& c) {
  return code(k::global_average_pool_fast_bits<X>(c.params.global_pool, c.t.input, c.t.output));
}
template <int X, int W, int O>
int32_t max_pool_fast(const mpq_fw_kernel_call& c) {
  return code(k::max_pool_fast_bits<X>(c.params.max_pool, c.t.input, c.t.output));
}
template <int X, int W, int O>
int32_t average_pool_fast(const mpq_fw_kernel_call& c) {
  return code(k::average_pool_fast_bits<X>(c.params.average_pool, c.t.input, c.t.output));
}

// Reference: the plain loops, one per family (they do not specialize on widths).
template <int X, int W, int O>
int32_t convolve_ref(const mpq_fw_kernel_call& c) {
  const OpTensors& t = c.t;
  return code(k::convolve_ref(c.params.conv, t.input, t.weights, t.bias, t.multiplier, t.shift, t.output));
}
template <int X, int W, int O>
int32_t pointwise_convolve_ref(const mpq_fw_kernel_call& c) {
  const OpTensors& t = c.t;
  return code(k::pointwise_convolve_ref(c.params.pointwise, t.input, t.weights, t.bias, t.multiplier, t.shift,
                                        t.output));
}
template <int X, int W, int O>
int32_t depthwise_convolve_ref(const mpq_fw_kernel_call& c) {
  const OpTensors& t = c.t;
  return code(k::depthwise_convolve_ref(c.params.depthwise, t.input, t.weights, t.bias, t.multiplier, t.shift,
                                        t.output));
}
template <int X, int W, int O>
int32_t fully_connected_ref(const mpq_fw_kernel_call& c) {
  const OpTensors& t = c.t;
  return code(k::fully_connected_ref(c.params.fully_connected, t.input, t.weights, t.bias, t.multiplier, t.shift,
                                     t.output));
}
template <int X, int W, int O>
int32_t residual_add_ref(const mpq_fw_kernel_call& c) {
  return code(k::residual_add_ref(c.params.add, c.t.input, c.t.input2, c.t.output));
}
template <int X, int W, int O>
int32_t global_average_pool_ref(const mpq_fw_kernel_call& c) {
  return code(k::global_average_pool_ref(c.params.global_pool, c.t.input, c.t.output));
}
template <int X, int W, int O>
int32_t max_pool_ref(const mpq_fw_kernel_call& c) {
  return code(k::max_pool_ref(c.params.max_pool, c.t.input, c.t.output));
}
template <int X, int W, int O>
int32_t average_pool_ref(const mpq_fw_kernel_call& c) {
  return code(k::average_pool_ref(c.params.average_pool, c.t.input, c.t.output));
}

}  // namespace

}  // namespace mpq::rt::detail

extern "C" {

#define MPQ_FW_DEFINE_VARIANT_(n, k, i, w, o)                                             \
  int32_t mpq_fw_op_##n##_i##i##_w##w##_o##o(const struct mpq_fw_kernel_call* call) {      \
    return mpq::rt::detail::n##_fast<i, w, o>(*call);                                      \
  }                                                                                        \
  int32_t mpq_fw_op_##n##_i##i##_w##w##_o##o##_ref(const struct mpq_fw_kernel_call* call) { \
    return mpq::rt::detail::n##_ref<i, w, o>(*call);                                       \
  }
MPQ_FW_KERNEL_VARIANTS(MPQ_FW_DEFINE_VARIANT_)
#undef MPQ_FW_DEFINE_VARIANT_

}  // extern "C"
