/* The C side of the C API test: the calls a C99 firmware makes, compiled as C99
 * (fw_api_calls.c), for test_fw_api.cpp to compare with the C++ runtime. */
#ifndef TESTS_FW_API_FW_API_CALLS_H
#define TESTS_FW_API_FW_API_CALLS_H

#include <stdint.h>

#include "libmpq/runtime/mpq_fw.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Everything fw_api_c_classify learned about one blob and image. */
typedef struct fw_api_c_result {
  mpq_fw_status status;   /* the first failure, or MPQ_FW_OK */
  const char* failed_call; /* its function name, or "" */
  mpq_fw_load_error load_error;
  mpq_fw_memory memory;
  mpq_fw_input_params input;
  mpq_fw_output_params output;
  uint32_t arena_bytes;    /* mpq_fw_arena_bytes after the load */
  uint32_t top;            /* mpq_fw_argmax of the codes */
} fw_api_c_result;

/* sizeof(mpq_fw_model) and its alignment as a C compiler lays it out. */
uint32_t fw_api_c_model_bytes(void);
uint32_t fw_api_c_model_alignment(void);

/* What a C firmware does with a blob: query its memory, load it (the arena as the load
 * scratch) into a model on the stack, read its input and output parameters, run `image`
 * with `kernels` in `arena`, and read `capacity` or fewer codes and scores. */
void fw_api_c_classify(const uint8_t* blob, uint32_t blob_bytes, const uint8_t* image, void* arena,
                       uint32_t arena_bytes, mpq_fw_kernels kernels, int32_t* codes, float* scores, uint32_t capacity,
                       fw_api_c_result* result);

/* The same for a blob that streams its input: a reader written in C hands `image` out
 * window by window (mpq_fw_input_reader), the run is mpq_fw_run_streamed_kernels.
 * *image_run gets what mpq_fw_run says to the streamed blob, *streamed what
 * mpq_fw_input_streamed says, *reads the reader's calls. */
void fw_api_c_classify_streamed(const uint8_t* blob, uint32_t blob_bytes, const uint8_t* image, void* arena,
                                uint32_t arena_bytes, mpq_fw_kernels kernels, int32_t* codes, uint32_t capacity,
                                fw_api_c_result* result, mpq_fw_status* image_run, int* streamed, uint32_t* reads);

/* A kernel table written in C with one variant (8-bit max pooling) that the default
 * model does not use, and mpq_fw_load_with_kernels called from C. */
extern const mpq_fw_kernel_table fw_api_c_max_pool_only;
mpq_fw_status fw_api_c_load_with(const mpq_fw_kernel_table* kernels, const uint8_t* blob, uint32_t blob_bytes,
                                 void* arena, uint32_t arena_bytes, mpq_fw_load_error* error);

#ifdef __cplusplus
}
#endif

#endif
