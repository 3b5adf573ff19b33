// Scratch bytes of the kernel the runtime runs for one op.
#pragma once

#include <cstdint>

#include "libmpq/mcu/op_bits.hpp"

namespace mpq {

// Which kernel of libmpq/kernels runs an op, on the device and in the memory model.
enum class OpKernel : int {
  convolve_fast,            // conv, unless pointwise
  pointwise_convolve_fast,  // conv with a 1x1 kernel, stride 1, no padding
  depthwise_convolve_fast,  // depthwise
  fully_connected_fast,     // fc
  residual_add_fast,        // add (no scratch)
  global_average_pool_fast  // avgpool (no scratch)
};
OpKernel op_kernel(const QOp& op);
const char* op_kernel_name(OpKernel kernel);

// The kernel's ..._get_buffer_size() for this op's shapes and bits. Zero points and clamps
// do not change scratch sizes, so the valid placeholders 0 and the full code range are used.
// Throws Error naming the op when the kernel refuses its shapes (e.g. a reduction deeper
// than kMaxReductionDepth): such a policy cannot run on the device.
uint32_t op_scratch_bytes(const QOp& op, const OpBits& bits);

}  // namespace mpq
