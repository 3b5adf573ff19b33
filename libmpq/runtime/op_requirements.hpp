// Which kernel runs an op record, whether it accepts the record, and the memory it takes:
// the one rule load_model validates blobs with and the host memory model (libmpq/mcu)
// sizes FLASH and RAM with, kept beside the dispatch as CMSIS-NN keeps a wrapper's
// ..._get_buffer_size() beside the wrapper.
#pragma once

#include <cstdint>

#include "libmpq/kernels/status.hpp"
#include "libmpq/runtime/op_record.hpp"

namespace mpq::rt {

// The kernel family of an op; run_model calls its _fast or _ref variant. A conv with a
// 1x1 kernel, stride 1 and no padding runs on pointwise_convolve.
enum class OpKernel : uint8_t {
  convolve,
  pointwise_convolve,
  depthwise_convolve,
  fully_connected,
  residual_add,
  global_average_pool,
  max_pool,
  average_pool,
};
constexpr int kOpKernelCount = 8;
// "convolve", "pointwise_convolve", ...
const char* op_kernel_name(OpKernel kernel);
// The kernel of a record without checking it (run_model's dispatch after load_model).
// Requires record.kind < blob::op_kind::count.
OpKernel op_kernel(const OpRecord& record);

struct OpRequirements {
  kernels::Status status = kernels::Status::ok;  // the kernel's *_check on the record's parameters
  OpKernel kernel = OpKernel::convolve;
  // The fast kernel's scratch (0: none); set only when status is ok. For a depthwise op
  // flagged blob::kOpFlagOneChunk, the kernel's one-chunk size.
  int32_t scratch_bytes = 0;
  int32_t weight_bytes = 0;   // packed weights under the record's shape and bits (0 without
                              // weights; <= 0 when they exceed the kernels' 2 GiB limit)
  int32_t output_bytes = 0;   // the packed output activation (<= 0 beyond 2 GiB)
};

// Requires record.kind < blob::op_kind::count.
OpRequirements op_requirements(const OpRecord& record);

// Bytes of a packed h x w x c activation of `bits` (kernels::activation_bytes), e.g. the
// 8-bit network input buffer.
int32_t activation_buffer_bytes(int32_t h, int32_t w, int32_t c, int32_t bits);

}  // namespace mpq::rt
