/* The kernels a model is run with: one function per op variant (kernel family, input,
 * weight and output bits), reached only through a table, so that a firmware linked with
 * --gc-sections keeps the variants its table lists and drops the others (what TFLite
 * Micro's op resolver does, but generated: `mpq export --c-source` writes the table of its
 * blob's variants beside the blob). A blob that needs a variant its table lacks is
 * refused at load with MPQ_FW_KERNEL_NOT_LINKED (mpq_fw_load_error names the variant).
 * mpq_fw_all_kernels lists every variant: hosts, tests and `mpq run` use it.
 * C99, usable from C and C++ (docs/porting.md, "Selective linking"). */
#ifndef LIBMPQ_MPQ_FW_KERNELS_H
#define LIBMPQ_MPQ_FW_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Kernel families: mpq::rt::OpKernel, value for value. A conv with a 1x1 kernel, stride 1
 * and no padding runs on pointwise_convolve. */
enum {
  MPQ_FW_OP_CONVOLVE = 0,
  MPQ_FW_OP_POINTWISE_CONVOLVE,
  MPQ_FW_OP_DEPTHWISE_CONVOLVE,
  MPQ_FW_OP_FULLY_CONNECTED,
  MPQ_FW_OP_RESIDUAL_ADD,
  MPQ_FW_OP_GLOBAL_AVERAGE_POOL,
  MPQ_FW_OP_MAX_POOL,
  MPQ_FW_OP_AVERAGE_POOL,
  MPQ_FW_OP_KERNEL_COUNT
};

/* One op's call as the runtime prepares it (private to the runtime). */
struct mpq_fw_kernel_call;
/* Returns the kernel's status (mpq_fw_kernel_status_name), 0 for ok. */
typedef int32_t (*mpq_fw_kernel_fn)(const struct mpq_fw_kernel_call* call);

/* One variant: weight_bits is the weights' width, a residual add's second input's, and 0
 * for pools. `reference` may be NULL: the plain reference loops are then not linked, and
 * a reference run of a model that uses the variant returns MPQ_FW_KERNEL_NOT_LINKED. */
typedef struct mpq_fw_kernel {
  uint8_t op_kernel; /* MPQ_FW_OP_... */
  uint8_t input_bits, weight_bits, output_bits;
  mpq_fw_kernel_fn fast;
  mpq_fw_kernel_fn reference;
} mpq_fw_kernel;

typedef struct mpq_fw_kernel_table {
  const mpq_fw_kernel* kernels;
  uint32_t count;
} mpq_fw_kernel_table;

/* Every variant, fast and reference: links every kernel. */
extern const mpq_fw_kernel_table mpq_fw_all_kernels;

/* A generated table names a variant's reference function through this: NULL unless the
 * firmware is compiled with -DMPQ_FW_WITH_REFERENCE_KERNELS (to compare the fast kernels
 * with the reference ones on the target, as examples/cmake-app does). */
#ifdef MPQ_FW_WITH_REFERENCE_KERNELS
#define MPQ_FW_REFERENCE_KERNEL(fn) fn
#else
#define MPQ_FW_REFERENCE_KERNEL(fn) NULL
#endif

/* The variants, X(name, MPQ_FW_OP_..., input_bits, weight_bits, output_bits) each; the
 * function of a variant is mpq_fw_op_<name>_i<input>_w<weight>_o<output> and its
 * reference twin the same with _ref. Pools keep the input's width (global average
 * pooling may requantize to another). */
#define MPQ_FW_VARIANTS_O_(X, n, k, i, w) X(n, k, i, w, 8) X(n, k, i, w, 4) X(n, k, i, w, 2)
#define MPQ_FW_VARIANTS_WO_(X, n, k, i) \
  MPQ_FW_VARIANTS_O_(X, n, k, i, 8) MPQ_FW_VARIANTS_O_(X, n, k, i, 4) MPQ_FW_VARIANTS_O_(X, n, k, i, 2)
#define MPQ_FW_VARIANTS_IWO_(X, n, k) \
  MPQ_FW_VARIANTS_WO_(X, n, k, 8) MPQ_FW_VARIANTS_WO_(X, n, k, 4) MPQ_FW_VARIANTS_WO_(X, n, k, 2)
#define MPQ_FW_VARIANTS_IO_(X, n, k) \
  MPQ_FW_VARIANTS_O_(X, n, k, 8, 0) MPQ_FW_VARIANTS_O_(X, n, k, 4, 0) MPQ_FW_VARIANTS_O_(X, n, k, 2, 0)
#define MPQ_FW_VARIANTS_II_(X, n, k) X(n, k, 8, 0, 8) X(n, k, 4, 0, 4) X(n, k, 2, 0, 2)
#define MPQ_FW_KERNEL_VARIANTS(X)                                      \
  MPQ_FW_VARIANTS_IWO_(X, convolve, MPQ_FW_OP_CONVOLVE)                \
  MPQ_FW_VARIANTS_IWO_(X, pointwise_convolve, MPQ_FW_OP_POINTWISE_CONVOLVE) \
  MPQ_FW_VARIANTS_IWO_(X, depthwise_convolve, MPQ_FW_OP_DEPTHWISE_CONVOLVE) \
  MPQ_FW_VARIANTS_IWO_(X, fully_connected, MPQ_FW_OP_FULLY_CONNECTED)  \
  MPQ_FW_VARIANTS_IWO_(X, residual_add, MPQ_FW_OP_RESIDUAL_ADD)        \
  MPQ_FW_VARIANTS_IO_(X, global_average_pool, MPQ_FW_OP_GLOBAL_AVERAGE_POOL) \
  MPQ_FW_VARIANTS_II_(X, max_pool, MPQ_FW_OP_MAX_POOL)                 \
  MPQ_FW_VARIANTS_II_(X, average_pool, MPQ_FW_OP_AVERAGE_POOL)
#define MPQ_FW_KERNEL_VARIANT_COUNT (5 * 27 + 9 + 3 + 3)

#define MPQ_FW_DECLARE_VARIANT_(n, k, i, w, o)                                                \
  int32_t mpq_fw_op_##n##_i##i##_w##w##_o##o(const struct mpq_fw_kernel_call* call);     \
  int32_t mpq_fw_op_##n##_i##i##_w##w##_o##o##_ref(const struct mpq_fw_kernel_call* call);
MPQ_FW_KERNEL_VARIANTS(MPQ_FW_DECLARE_VARIANT_)
#undef MPQ_FW_DECLARE_VARIANT_

#ifdef __cplusplus
}
#endif

#endif
