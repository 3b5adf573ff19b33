/* libmpq_fw's C API: load (validate) an exported model blob once, run it on raw images in
 * a caller-owned arena, read its output. C99, usable from C and C++; a thin layer over the
 * C++ runtime (libmpq/runtime/runtime.hpp), with the same contracts: no heap, no global
 * state, nothing copied from the blob, every failure a status (docs/porting.md, "The C
 * API").
 *
 *   static mpq_fw_model model;                       (MPQ_FW_MODEL_BYTES, no heap)
 *   static uint8_t arena[ARENA] __attribute__((aligned(8)));
 *   mpq_fw_status s = mpq_fw_load_with_kernels(&model, &model_kernels, blob, blob_size,
 *                                              arena, sizeof arena, NULL);
 *   s = mpq_fw_run(&model, image, arena, sizeof arena);
 *   s = mpq_fw_output_codes(&model, arena, codes, 10);
 *   if (s != MPQ_FW_OK) printf("%s\n", mpq_fw_status_name(s));
 */
#ifndef LIBMPQ_MPQ_FW_H
#define LIBMPQ_MPQ_FW_H

#include <stdint.h>

#include "libmpq/runtime/mpq_fw_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Why the runtime refused a blob or a call: mpq::rt::Status, value for value
 * (libmpq/runtime/status.hpp says what each means). */
typedef enum mpq_fw_status {
  MPQ_FW_OK = 0,
  MPQ_FW_BAD_ARGUMENT,
  MPQ_FW_MISALIGNED_BLOB,
  MPQ_FW_TOO_SHORT,
  MPQ_FW_BAD_MAGIC,
  MPQ_FW_BAD_VERSION,
  MPQ_FW_SIZE_MISMATCH,
  MPQ_FW_CHECKSUM_MISMATCH,
  MPQ_FW_BAD_HEADER_FIELD,
  MPQ_FW_SECTION_OUT_OF_BOUNDS,
  MPQ_FW_SECTION_MISALIGNED,
  MPQ_FW_SECTIONS_OVERLAP,
  MPQ_FW_UNSUPPORTED_OP_KIND,
  MPQ_FW_UNSUPPORTED_BITS,
  MPQ_FW_BAD_OP_FIELD,
  MPQ_FW_OP_INPUT_MISMATCH,
  MPQ_FW_KERNEL_REJECTED,
  MPQ_FW_WEIGHTS_SIZE_MISMATCH,
  MPQ_FW_BAD_CHANNEL_PARAMS,
  MPQ_FW_BUFFER_TABLE_MISMATCH,
  MPQ_FW_BUFFER_SIZE_MISMATCH,
  MPQ_FW_PLAN_MISMATCH,
  MPQ_FW_LOAD_SCRATCH_TOO_SMALL,
  MPQ_FW_MISALIGNED_ARENA,
  MPQ_FW_ARENA_TOO_SMALL,
  MPQ_FW_KERNEL_FAILED,
  MPQ_FW_BAD_PATCH_STAGE,
  MPQ_FW_KERNEL_NOT_LINKED, /* the blob needs a variant its kernel table lacks */
  MPQ_FW_PATCH_STAGE_COSTS_RAM, /* its patch stage needs more RAM than layer by layer */
  MPQ_FW_INPUT_MODE_MISMATCH,   /* a streamed-input blob run on an image, or the reverse */
  MPQ_FW_INPUT_READ_FAILED,     /* the caller's mpq_fw_input_reader returned non-zero */
  MPQ_FW_STATUS_COUNT,
  /* Keeps the enum 32 bits wide under -fshort-enums (arm-none-eabi-gcc's default), so
   * that code built with and without it agrees on the return type. */
  MPQ_FW_STATUS_MAX_ENUM = 0x7FFFFFFF
} mpq_fw_status;

/* A loaded model: caller-allocated (static, stack or pool), filled by mpq_fw_load. Its
 * contents are private; the size is fixed so that C code can reserve it without the C++
 * headers (the runtime static_asserts that its state fits). A model that mpq_fw_load has
 * not accepted (zeroed, or after a failed load) is refused by every other call with
 * MPQ_FW_BAD_ARGUMENT. It points into the blob, which must outlive it, unchanged. */
#define MPQ_FW_MODEL_BYTES 128
typedef struct mpq_fw_model {
  union {
    unsigned char bytes[MPQ_FW_MODEL_BYTES];
    uint64_t align_u64;
    void* align_pointer;
  } opaque;
} mpq_fw_model;

/* What a blob asks its caller to allocate, read from its header alone. */
typedef struct mpq_fw_memory {
  uint32_t arena_bytes;        /* mpq_fw_run's arena (= `mpq memory`'s RAM) */
  uint32_t arena_alignment;    /* the arena's start must be a multiple of this (4) */
  uint32_t load_scratch_bytes; /* mpq_fw_load's scratch; the arena can serve */
} mpq_fw_memory;

/* Where mpq_fw_load failed, when the failure belongs to an op or a buffer. */
typedef struct mpq_fw_load_error {
  uint16_t op;           /* op index, or 0xFFFF */
  uint16_t buffer;       /* buffer id, or 0xFFFF */
  int32_t kernel_status; /* for MPQ_FW_KERNEL_REJECTED: the kernel's check, else 0 */
  /* For MPQ_FW_KERNEL_NOT_LINKED: the missing variant (mpq_fw_kernels.h), else 0. */
  uint8_t op_kernel, input_bits, weight_bits, output_bits;
} mpq_fw_load_error;

/* The network's input: a raw image of height x width x channels bytes (HWC), mapped by the
 * blob's per-channel table (256 entries: raw byte -> 8-bit code; it holds the training
 * normalization and the input grid, so no float scale is needed or stored) into codes
 * whose zero point is zero_point. */
typedef struct mpq_fw_input_params {
  uint16_t height, width, channels;
  uint32_t image_bytes;       /* height * width * channels */
  uint8_t code_bits;          /* 8 */
  int32_t zero_point;         /* of the input codes */
  const uint8_t* code_table;  /* channels x 256 bytes, inside the blob */
} mpq_fw_input_params;

/* The network's output: `classes` codes of `code_bits` bits; the real score of code q is
 * scale * (q - zero_point). The scale is for display: the argmax of the codes is the
 * predicted class. */
typedef struct mpq_fw_output_params {
  uint16_t classes;
  uint8_t code_bits; /* 2, 4 or 8 */
  int32_t zero_point;
  float scale;
} mpq_fw_output_params;

/* Which kernels mpq_fw_run_kernels uses: the fast ones (what mpq_fw_run uses) or the plain
 * reference loops, bit-identical, for testing on the target. */
typedef enum mpq_fw_kernels {
  MPQ_FW_KERNELS_FAST = 0,
  MPQ_FW_KERNELS_REFERENCE = 1,
  MPQ_FW_KERNELS_MAX_ENUM = 0x7FFFFFFF /* 32 bits wide, as mpq_fw_status */
} mpq_fw_kernels;

/* Reads the header only (magic, version, size): what to allocate before mpq_fw_load. */
mpq_fw_status mpq_fw_query_memory(const uint8_t* blob, uint32_t blob_bytes, mpq_fw_memory* memory);

/* Validates the whole blob once (CRC-32, every section and op, the arena plan, every op's
 * variant in `kernels`) and, on MPQ_FW_OK, makes `model` runnable with those kernels.
 * `kernels`: the table `mpq export --c-source` generated for the blob (only its variants
 * are linked) or &mpq_fw_all_kernels; it must outlive the model. `blob`: 4-byte aligned
 * (`mpq export --c-source` aligns it to 8). `scratch`: 4-byte aligned,
 * load_scratch_bytes long, used only during the call (the arena serves). `error` may be
 * NULL. */
mpq_fw_status mpq_fw_load_with_kernels(mpq_fw_model* model, const mpq_fw_kernel_table* kernels, const uint8_t* blob,
                                       uint32_t blob_bytes, void* scratch, uint32_t scratch_bytes,
                                       mpq_fw_load_error* error);
/* mpq_fw_load_with_kernels with &mpq_fw_all_kernels: links every kernel. */
mpq_fw_status mpq_fw_load(mpq_fw_model* model, const uint8_t* blob, uint32_t blob_bytes, void* scratch,
                          uint32_t scratch_bytes, mpq_fw_load_error* error);

/* The arena mpq_fw_run needs, and its alignment; 0 for a model that is not loaded. */
uint32_t mpq_fw_arena_bytes(const mpq_fw_model* model);
uint32_t mpq_fw_arena_alignment(const mpq_fw_model* model);

mpq_fw_status mpq_fw_get_input_params(const mpq_fw_model* model, mpq_fw_input_params* params);
mpq_fw_status mpq_fw_get_output_params(const mpq_fw_model* model, mpq_fw_output_params* params);

/* Runs one image (input_params' image_bytes raw bytes, HWC) with no checks beyond the
 * arguments: `arena` of at least arena_bytes, aligned. The arena's previous contents do
 * not matter. On MPQ_FW_OK the output codes are in the arena until the next run. */
mpq_fw_status mpq_fw_run(const mpq_fw_model* model, const uint8_t* image, void* arena, uint32_t arena_bytes);
mpq_fw_status mpq_fw_run_kernels(const mpq_fw_model* model, const uint8_t* image, void* arena, uint32_t arena_bytes,
                                 mpq_fw_kernels kernels);

/* A streamed input (`mpq export --patch-input stream`, docs/memory-model.md "Streamed
 * input"): the blob's patch stage reads the raw image window by window from the caller, so
 * the whole image is never in the arena. The reader writes rows x cols raw pixels, rows
 * [row, row + rows) and columns [col, col + cols), every channel, HWC, densely (cols x
 * channels bytes per row) into `pixels` (the same bytes mpq_fw_run's image holds there),
 * and returns 0, or non-zero to stop the run (MPQ_FW_INPUT_READ_FAILED). Neighbouring
 * windows overlap by the stage's halo: a pixel may be asked for more than once. */
typedef int (*mpq_fw_input_reader)(void* user, uint16_t row, uint16_t rows, uint16_t col, uint16_t cols,
                                   uint8_t* pixels);

/* 1 when the loaded blob streams its input (run it with mpq_fw_run_streamed: mpq_fw_run
 * refuses it with MPQ_FW_INPUT_MODE_MISMATCH), 0 otherwise or for a model not loaded. */
int mpq_fw_input_streamed(const mpq_fw_model* model);

/* mpq_fw_run for a blob that streams its input: `reader(user, ...)` is called once per
 * tile of the patch stage. MPQ_FW_INPUT_MODE_MISMATCH for a blob that holds its whole
 * input (run it with mpq_fw_run). Bit for bit the output of mpq_fw_run on the same image
 * through the same model exported without streaming. */
mpq_fw_status mpq_fw_run_streamed(const mpq_fw_model* model, mpq_fw_input_reader reader, void* user, void* arena,
                                  uint32_t arena_bytes);
mpq_fw_status mpq_fw_run_streamed_kernels(const mpq_fw_model* model, mpq_fw_input_reader reader, void* user,
                                          void* arena, uint32_t arena_bytes, mpq_fw_kernels kernels);

/* The `classes` output codes of the last run in `arena` into codes[0 .. classes);
 * MPQ_FW_BAD_ARGUMENT if count < classes. */
mpq_fw_status mpq_fw_output_codes(const mpq_fw_model* model, const void* arena, int32_t* codes, uint32_t count);
/* scores[k] = scale * (codes[k] - zero_point) for k < classes (host-side display). */
mpq_fw_status mpq_fw_output_scores(const mpq_fw_model* model, const int32_t* codes, float* scores, uint32_t count);
/* The first index of the largest of codes[0 .. count): the predicted class (0 if count is 0). */
uint32_t mpq_fw_argmax(const int32_t* codes, uint32_t count);

/* Constant English names, e.g. "checksum_mismatch"; "unknown" out of range. */
const char* mpq_fw_status_name(mpq_fw_status status);
const char* mpq_fw_kernel_status_name(int32_t kernel_status);
/* "convolve", "max_pool", ...: an MPQ_FW_OP_ value's name; "unknown" out of range. */
const char* mpq_fw_op_kernel_name(uint8_t op_kernel);

#ifdef __cplusplus
}
#endif

#endif
