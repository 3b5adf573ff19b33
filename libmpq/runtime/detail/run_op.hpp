// One op's kernel call with the parameters of its record (detail/kernel_params.hpp), as
// run_model executes it after load_model checked the record with op_requirements and
// found its variant in the kernel table.
#pragma once

#include <cstdint>

#include "libmpq/runtime/kernel_table.hpp"
#include "libmpq/runtime/op_record.hpp"
#include "libmpq/runtime/status.hpp"

namespace mpq::rt::detail {

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

// ok; kernel_not_linked when `kernels` lacks the op's variant (or, for a reference run, its
// reference function); kernel_failed when the kernel refused the call.
Status run_op(const KernelTable& kernels, const OpRecord& op, const OpTensors& t, bool reference);

}  // namespace mpq::rt::detail
