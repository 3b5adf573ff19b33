// One op's kernel call as run_op prepares it for a variant function (mpq_fw_kernels.h):
// the kernel's parameter struct, built from the record (or, in a patch stage, from the
// record and the tile's window), and the tensors. Defined at global scope: the C header
// names it as an incomplete struct.
#pragma once

#include "libmpq/runtime/detail/kernel_params.hpp"
#include "libmpq/runtime/detail/run_op.hpp"
#include "libmpq/runtime/kernel_table.hpp"
#include "libmpq/runtime/status.hpp"

struct mpq_fw_kernel_call {
  union Params {
    mpq::kernels::ConvParams conv;
    mpq::kernels::PointwiseParams pointwise;
    mpq::kernels::DepthwiseParams depthwise;
    mpq::kernels::FullyConnectedParams fully_connected;
    mpq::kernels::ResidualAddParams add;
    mpq::kernels::GlobalAveragePoolParams global_pool;
    mpq::kernels::MaxPoolParams max_pool;
    mpq::kernels::AveragePoolParams average_pool;
  } params;
  mpq::rt::detail::OpTensors t;
};

namespace mpq::rt::detail {

// Calls the table's fast (or reference) function of `variant` on `call`: ok,
// kernel_not_linked (no such entry or function), kernel_failed (the kernel refused).
Status run_call(const KernelTable& table, const OpVariant& variant, const mpq_fw_kernel_call& call, bool reference);

}  // namespace mpq::rt::detail
