/* examples/mcu-app in C, through libmpq_fw's C API: validate the linked-in model once,
 * then classify. Memory is all static: the blob stays in FLASH (a const array), the
 * activation arena is a static buffer of MODEL_ARENA_BYTES checked against what the blob
 * asks for, the model a static mpq_fw_model, and the runtime allocates nothing. The image
 * is synthetic (a bright square, as in examples/mcu-app, which must print the same codes);
 * a device would take it from its camera or sensor, HWC, one byte per value. A blob
 * exported with `--patch-input stream` gets it window by window from a reader instead. */
#include <stdint.h>
#include <stdio.h>

#include MODEL_HEADER /* from `mpq export --c-source`: MODEL_BLOB[], MODEL_BLOB_size and
                       * MODEL_BLOB_kernels, the kernels its ops run on */
#include "libmpq/runtime/mpq_fw.h"

#define MPQ_CONCAT(a, b) a##b
#define MPQ_SIZE_OF(symbol) MPQ_CONCAT(symbol, _size)
#define MPQ_KERNELS_OF(symbol) MPQ_CONCAT(symbol, _kernels)
#define MAX_CLASSES 1000u   /* the most classes this example prints */
#define MAX_IMAGE_BYTES (64u * 64u * 3u) /* the largest whole input this example accepts */

static uint8_t g_arena[MODEL_ARENA_BYTES] __attribute__((aligned(8)));
static mpq_fw_model g_model;
static uint8_t g_image[MAX_IMAGE_BYTES]; /* the whole-image path's only */
static int32_t g_codes[MAX_CLASSES];
static int32_t g_reference_codes[MAX_CLASSES];

static int fail(const char* what, mpq_fw_status s) {
  printf("cmake-app: %s: %s\n", what, mpq_fw_status_name(s));
  return 1;
}

/* The synthetic image, any window of it: rows [row, row + rows), columns [col, col + cols),
 * every channel, HWC, densely, as an mpq_fw_input_reader writes it (`user`: the
 * mpq_fw_input_params). The square covers the middle half of each side. Both paths draw
 * through this, so they run the same bytes. */
static int draw_window(void* user, uint16_t row, uint16_t rows, uint16_t col, uint16_t cols, uint8_t* pixels) {
  const mpq_fw_input_params* in = (const mpq_fw_input_params*)user;
  uint32_t y, x, c;
  for (y = row; y < (uint32_t)row + rows; ++y)
    for (x = col; x < (uint32_t)col + cols; ++x) {
      const int inside = 4 * y >= in->height && 4 * y < 3u * in->height && 4 * x >= in->width && 4 * x < 3u * in->width;
      for (c = 0; c < in->channels; ++c) *pixels++ = inside ? 200 : 10;
    }
  return 0;
}

/* One inference into `codes`, from the reader for a blob that streams its input (its
 * arena holds no copy of the image, so neither does this path: a whole-image buffer would
 * spend the RAM the export saved), else from g_image. */
static mpq_fw_status classify(mpq_fw_input_params* in, mpq_fw_kernels kernels, int32_t* codes) {
  mpq_fw_status s;
  if (mpq_fw_input_streamed(&g_model))
    s = mpq_fw_run_streamed_kernels(&g_model, draw_window, in, g_arena, sizeof g_arena, kernels);
  else
    s = mpq_fw_run_kernels(&g_model, g_image, g_arena, sizeof g_arena, kernels);
  if (s == MPQ_FW_OK) s = mpq_fw_output_codes(&g_model, g_arena, codes, MAX_CLASSES);
  return s;
}

int main(void) {
  const uint8_t* blob = MODEL_BLOB;
  const uint32_t blob_bytes = MPQ_SIZE_OF(MODEL_BLOB);
  mpq_fw_memory memory;
  mpq_fw_load_error error;
  mpq_fw_input_params in;
  mpq_fw_output_params out;
  uint32_t k, top;
  mpq_fw_status s = mpq_fw_query_memory(blob, blob_bytes, &memory);
  if (s != MPQ_FW_OK) return fail("mpq_fw_query_memory", s);
  if (memory.arena_bytes > sizeof g_arena || memory.load_scratch_bytes > sizeof g_arena) {
    printf("cmake-app: the model needs an arena of %lu B, have %lu B\n", (unsigned long)memory.arena_bytes,
           (unsigned long)sizeof g_arena);
    return 1;
  }
  /* The arena doubles as scratch. With the blob's own kernel table, --gc-sections drops
   * every kernel variant the model does not use (CMakeLists.txt defines
   * MPQ_FW_WITH_REFERENCE_KERNELS: the table then links the reference twins too). */
  s = mpq_fw_load_with_kernels(&g_model, &MPQ_KERNELS_OF(MODEL_BLOB), blob, blob_bytes, g_arena, sizeof g_arena,
                               &error);
  if (s == MPQ_FW_KERNEL_NOT_LINKED) {
    printf("cmake-app: op %u needs kernel %s_i%u_w%u_o%u, which is not linked in\n", (unsigned)error.op,
           mpq_fw_op_kernel_name(error.op_kernel), (unsigned)error.input_bits, (unsigned)error.weight_bits,
           (unsigned)error.output_bits);
    return 1;
  }
  if (s != MPQ_FW_OK) {
    printf("cmake-app: mpq_fw_load: %s (op %u, buffer %u)\n", mpq_fw_status_name(s), (unsigned)error.op,
           (unsigned)error.buffer);
    return 1;
  }
  mpq_fw_get_input_params(&g_model, &in);
  mpq_fw_get_output_params(&g_model, &out);
  /* A streamed input may be of any size: only the whole image has to fit g_image. */
  if ((!mpq_fw_input_streamed(&g_model) && in.image_bytes > sizeof g_image) || out.classes > MAX_CLASSES) {
    printf("cmake-app: a %ux%ux%u input or %u classes is more than this example holds\n", (unsigned)in.height,
           (unsigned)in.width, (unsigned)in.channels, (unsigned)out.classes);
    return 1;
  }
  if (!mpq_fw_input_streamed(&g_model)) draw_window(&in, 0, in.height, 0, in.width, g_image);

  s = classify(&in, MPQ_FW_KERNELS_FAST, g_codes);
  if (s != MPQ_FW_OK) return fail("inference", s);
  /* The reference kernels on the target must agree bit for bit. */
  s = classify(&in, MPQ_FW_KERNELS_REFERENCE, g_reference_codes);
  if (s != MPQ_FW_OK) return fail("inference (reference kernels)", s);
  for (k = 0; k < out.classes; ++k)
    if (g_reference_codes[k] != g_codes[k]) {
      printf("cmake-app: fast and reference kernels differ at class %lu\n", (unsigned long)k);
      return 1;
    }

  top = mpq_fw_argmax(g_codes, out.classes);
  printf("cmake-app: %lu B model, %lu B arena; class %lu, output codes", (unsigned long)blob_bytes,
         (unsigned long)memory.arena_bytes, (unsigned long)top);
  for (k = 0; k < out.classes; ++k) printf(" %ld", (long)g_codes[k]);
  printf("\n");
  return 0;
}
