/* examples/mcu-app in C, through libmpq_fw's C API: validate the linked-in model once,
 * then classify. Memory is all static: the blob stays in FLASH (a const array), the
 * activation arena is a static buffer of MODEL_ARENA_BYTES checked against what the blob
 * asks for, the model a static mpq_fw_model, and the runtime allocates nothing. The image
 * is synthetic (a bright square, as in examples/mcu-app, which must print the same codes);
 * a device would take it from its camera or sensor, HWC, one byte per value. */
#include <stdint.h>
#include <stdio.h>

#include MODEL_HEADER /* from `mpq export --c-source`: MODEL_BLOB[], MODEL_BLOB_size and
                       * MODEL_BLOB_kernels, the kernels its ops run on */
#include "libmpq/runtime/mpq_fw.h"

#define MPQ_CONCAT(a, b) a##b
#define MPQ_SIZE_OF(symbol) MPQ_CONCAT(symbol, _size)
#define MPQ_KERNELS_OF(symbol) MPQ_CONCAT(symbol, _kernels)
#define MAX_CLASSES 1000u   /* the most classes this example prints */
#define MAX_IMAGE_BYTES (64u * 64u * 3u)

static uint8_t g_arena[MODEL_ARENA_BYTES] __attribute__((aligned(8)));
static mpq_fw_model g_model;
static uint8_t g_image[MAX_IMAGE_BYTES];
static int32_t g_codes[MAX_CLASSES];
static int32_t g_reference_codes[MAX_CLASSES];

static int fail(const char* what, mpq_fw_status s) {
  printf("cmake-app: %s: %s\n", what, mpq_fw_status_name(s));
  return 1;
}

int main(void) {
  const uint8_t* blob = MODEL_BLOB;
  const uint32_t blob_bytes = MPQ_SIZE_OF(MODEL_BLOB);
  mpq_fw_memory memory;
  mpq_fw_load_error error;
  mpq_fw_input_params in;
  mpq_fw_output_params out;
  uint32_t y, x, c, k, top;
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
  if (in.image_bytes > sizeof g_image || out.classes > MAX_CLASSES) {
    printf("cmake-app: a %ux%ux%u input or %u classes is more than this example holds\n", (unsigned)in.height,
           (unsigned)in.width, (unsigned)in.channels, (unsigned)out.classes);
    return 1;
  }

  for (y = 0; y < in.height; ++y)
    for (x = 0; x < in.width; ++x)
      for (c = 0; c < in.channels; ++c) {
        const int inside = 4 * y >= in.height && 4 * y < 3u * in.height && 4 * x >= in.width && 4 * x < 3u * in.width;
        g_image[(y * in.width + x) * in.channels + c] = inside ? 200 : 10;
      }

  s = mpq_fw_run(&g_model, g_image, g_arena, sizeof g_arena);
  if (s == MPQ_FW_OK) s = mpq_fw_output_codes(&g_model, g_arena, g_codes, MAX_CLASSES);
  if (s != MPQ_FW_OK) return fail("inference", s);
  /* The reference kernels on the target must agree bit for bit. */
  s = mpq_fw_run_kernels(&g_model, g_image, g_arena, sizeof g_arena, MPQ_FW_KERNELS_REFERENCE);
  if (s == MPQ_FW_OK) s = mpq_fw_output_codes(&g_model, g_arena, g_reference_codes, MAX_CLASSES);
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
