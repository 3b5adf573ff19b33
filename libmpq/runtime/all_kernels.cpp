// The table of every variant (mpq_fw_kernels.h), in a file of its own: only a program
// that names it (all_kernels(), mpq_fw_all_kernels, load_model without a table,
// mpq_fw_load) links every kernel.
#include "libmpq/runtime/kernel_table.hpp"
#include "libmpq/runtime/load_model.hpp"

namespace {

#define MPQ_FW_ENTRY_(n, k, i, w, o) \
  {k, i, w, o, mpq_fw_op_##n##_i##i##_w##w##_o##o, mpq_fw_op_##n##_i##i##_w##w##_o##o##_ref},
const mpq_fw_kernel kAllKernels[] = {MPQ_FW_KERNEL_VARIANTS(MPQ_FW_ENTRY_)};
#undef MPQ_FW_ENTRY_
static_assert(sizeof(kAllKernels) / sizeof(kAllKernels[0]) == MPQ_FW_KERNEL_VARIANT_COUNT,
              "MPQ_FW_KERNEL_VARIANT_COUNT counts MPQ_FW_KERNEL_VARIANTS");

}  // namespace

extern "C" const mpq_fw_kernel_table mpq_fw_all_kernels = {kAllKernels, MPQ_FW_KERNEL_VARIANT_COUNT};

namespace mpq::rt {

const KernelTable& all_kernels() { return mpq_fw_all_kernels; }

Status load_model(const uint8_t* blob, uint32_t blob_bytes, void* scratch, uint32_t scratch_bytes, ModelView* model,
                  LoadError* error) {
  return load_model(blob, blob_bytes, scratch, scratch_bytes, all_kernels(), model, error);
}

}  // namespace mpq::rt
