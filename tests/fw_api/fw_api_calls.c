/* Compiled as C99 with -pedantic: mpq_fw.h must stay plain C. */
#include "tests/fw_api/fw_api_calls.h"

#include <stddef.h>

/* C99 has no _Alignof: the offset of a member after one char is its alignment. */
struct model_alignment_probe {
  char c;
  mpq_fw_model model;
};

uint32_t fw_api_c_model_bytes(void) { return (uint32_t)sizeof(mpq_fw_model); }

uint32_t fw_api_c_model_alignment(void) { return (uint32_t)offsetof(struct model_alignment_probe, model); }

static int failed(fw_api_c_result* result, const char* call, mpq_fw_status status) {
  result->status = status;
  result->failed_call = call;
  return status != MPQ_FW_OK;
}

void fw_api_c_classify(const uint8_t* blob, uint32_t blob_bytes, const uint8_t* image, void* arena,
                       uint32_t arena_bytes, mpq_fw_kernels kernels, int32_t* codes, float* scores, uint32_t capacity,
                       fw_api_c_result* result) {
  mpq_fw_model model;
  result->status = MPQ_FW_OK;
  result->failed_call = "";
  if (failed(result, "mpq_fw_query_memory", mpq_fw_query_memory(blob, blob_bytes, &result->memory))) return;
  if (failed(result, "mpq_fw_load", mpq_fw_load(&model, blob, blob_bytes, arena, arena_bytes, &result->load_error)))
    return;
  result->arena_bytes = mpq_fw_arena_bytes(&model);
  if (failed(result, "mpq_fw_get_input_params", mpq_fw_get_input_params(&model, &result->input))) return;
  if (failed(result, "mpq_fw_get_output_params", mpq_fw_get_output_params(&model, &result->output))) return;
  if (failed(result, "mpq_fw_run_kernels", mpq_fw_run_kernels(&model, image, arena, arena_bytes, kernels))) return;
  if (failed(result, "mpq_fw_output_codes", mpq_fw_output_codes(&model, arena, codes, capacity))) return;
  if (failed(result, "mpq_fw_output_scores", mpq_fw_output_scores(&model, codes, scores, capacity))) return;
  result->top = mpq_fw_argmax(codes, result->output.classes);
}

/* The caller's image and its row length, for the reader. */
struct image_source {
  const uint8_t* image;
  uint32_t width, channels, reads;
};

static int read_image(void* user, uint16_t row, uint16_t rows, uint16_t col, uint16_t cols, uint8_t* pixels) {
  struct image_source* s = (struct image_source*)user;
  const uint32_t row_bytes = (uint32_t)cols * s->channels;
  uint32_t r, b;
  for (r = 0; r < rows; ++r)
    for (b = 0; b < row_bytes; ++b)
      pixels[r * row_bytes + b] = s->image[((uint32_t)(row + r) * s->width + col) * s->channels + b];
  ++s->reads;
  return 0;
}

void fw_api_c_classify_streamed(const uint8_t* blob, uint32_t blob_bytes, const uint8_t* image, void* arena,
                                uint32_t arena_bytes, mpq_fw_kernels kernels, int32_t* codes, uint32_t capacity,
                                fw_api_c_result* result, mpq_fw_status* image_run, int* streamed, uint32_t* reads) {
  mpq_fw_model model;
  struct image_source source;
  result->status = MPQ_FW_OK;
  result->failed_call = "";
  if (failed(result, "mpq_fw_query_memory", mpq_fw_query_memory(blob, blob_bytes, &result->memory))) return;
  if (failed(result, "mpq_fw_load", mpq_fw_load(&model, blob, blob_bytes, arena, arena_bytes, &result->load_error)))
    return;
  result->arena_bytes = mpq_fw_arena_bytes(&model);
  *streamed = mpq_fw_input_streamed(&model);
  if (failed(result, "mpq_fw_get_input_params", mpq_fw_get_input_params(&model, &result->input))) return;
  if (failed(result, "mpq_fw_get_output_params", mpq_fw_get_output_params(&model, &result->output))) return;
  *image_run = mpq_fw_run(&model, image, arena, arena_bytes);
  source.image = image;
  source.width = result->input.width;
  source.channels = result->input.channels;
  source.reads = 0;
  if (failed(result, "mpq_fw_run_streamed_kernels",
             mpq_fw_run_streamed_kernels(&model, read_image, &source, arena, arena_bytes, kernels)))
    return;
  *reads = source.reads;
  if (failed(result, "mpq_fw_output_codes", mpq_fw_output_codes(&model, arena, codes, capacity))) return;
  result->top = mpq_fw_argmax(codes, result->output.classes);
}

static const mpq_fw_kernel max_pool_8[] = {
    {MPQ_FW_OP_MAX_POOL, 8, 0, 8, mpq_fw_op_max_pool_i8_w0_o8, MPQ_FW_REFERENCE_KERNEL(mpq_fw_op_max_pool_i8_w0_o8_ref)}};
const mpq_fw_kernel_table fw_api_c_max_pool_only = {max_pool_8, 1};

mpq_fw_status fw_api_c_load_with(const mpq_fw_kernel_table* kernels, const uint8_t* blob, uint32_t blob_bytes,
                                 void* arena, uint32_t arena_bytes, mpq_fw_load_error* error) {
  mpq_fw_model model;
  return mpq_fw_load_with_kernels(&model, kernels, blob, blob_bytes, arena, arena_bytes, error);
}
