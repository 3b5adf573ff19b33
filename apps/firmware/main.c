/* Example firmware, in C: runs an exported model blob (`mpq export --c-source`) linked in
 * as a const array on raw test images linked in the same way, through libmpq_fw's C API
 * (libmpq/runtime/mpq_fw.h) and nothing else: no heap, one static arena, one static model.
 * Prints one line per image
 *   image I: class K codes C0 C1 ... scores S0 S1 ...
 * (apps/firmware/output_line.h), then, when the build provides the host's codes, the
 * verdict of the comparison. Exit status: 0 ok, 1 outputs differ from the host's, 2 the
 * runtime refused the blob, the arena or an image.
 *
 * The build provides two headers (tests/firmware/host writes them for the QEMU tests):
 *   firmware_model.h  MPQ_MODEL_NAME, MPQ_MODEL_BLOB / MPQ_MODEL_BLOB_SIZE (the symbols
 *                     of the exported C source), MPQ_MODEL_ARENA_BYTES (the blob's arena,
 *                     `mpq memory`'s RAM); optionally MPQ_EXPECTED_CODES and
 *                     MPQ_MODEL_CLASSES, the host runtime's output codes per image
 *   test_images.h     MPQ_TEST_IMAGE_COUNT, MPQ_TEST_IMAGE_BYTES, mpq_test_images[],
 *                     mpq_test_images_source[] */
#include <stdio.h>
#include <string.h>

#include "apps/firmware/output_line.h"
#include "apps/firmware/stack_usage.h"
#include "firmware_model.h"
#include "libmpq/runtime/mpq_fw.h"
#include "test_images.h"

/* Stack window painted to measure mpq_fw_run's stack (the QEMU boards have megabytes). */
#define STACK_WINDOW_BYTES (16u * 1024u)
#define MAX_CLASSES 1000u

/* The activation arena, sized at build time from the blob's header. It also serves as
 * mpq_fw_load's scratch (14 bytes per buffer; any real model's arena is far larger). */
static uint8_t g_arena[MPQ_MODEL_ARENA_BYTES] __attribute__((aligned(8)));
static mpq_fw_model g_model;
static int32_t g_codes[MAX_CLASSES];
static float g_scores[MAX_CLASSES];
#ifdef MPQ_EXPECTED_CODES
static int32_t g_reference_codes[MAX_CLASSES];
#endif

static void print_text(const char* text, void* context) {
  (void)context;
  fputs(text, stdout);
}

static int refuse(const char* what, mpq_fw_status status) {
  printf("error: %s: %s\n", what, mpq_fw_status_name(status));
  return 2;
}

/* A blob that streams its input (`mpq export --patch-input stream`) asks for it window by
 * window: here from the const image in FLASH, as a camera driver would from its lines. */
struct image_source {
  const uint8_t* image;
  uint32_t width, channels;
};

static int read_window(void* user, uint16_t row, uint16_t rows, uint16_t col, uint16_t cols, uint8_t* pixels) {
  const struct image_source* s = (const struct image_source*)user;
  const uint32_t row_bytes = (uint32_t)cols * s->channels;
  uint32_t r;
  for (r = 0; r < rows; ++r)
    memcpy(pixels + r * row_bytes, s->image + ((uint32_t)(row + r) * s->width + col) * s->channels, row_bytes);
  return 0;
}

static struct image_source g_source;

/* Runs one image and reads its codes and scores; returns the first failure, if any. */
static mpq_fw_status run_image(const uint8_t* image, mpq_fw_kernels kernels, int32_t* codes, float* scores) {
  mpq_fw_status s;
  if (mpq_fw_input_streamed(&g_model)) {
    g_source.image = image;
    s = mpq_fw_run_streamed_kernels(&g_model, read_window, &g_source, g_arena, sizeof g_arena, kernels);
  } else {
    s = mpq_fw_run_kernels(&g_model, image, g_arena, sizeof g_arena, kernels);
  }
  if (s == MPQ_FW_OK) s = mpq_fw_output_codes(&g_model, g_arena, codes, MAX_CLASSES);
  if (s == MPQ_FW_OK) s = mpq_fw_output_scores(&g_model, codes, scores, MAX_CLASSES);
  return s;
}

int main(void) {
  const uint8_t* blob = MPQ_MODEL_BLOB;
  const uint32_t blob_bytes = MPQ_MODEL_BLOB_SIZE;
  mpq_fw_memory memory;
  mpq_fw_load_error error;
  mpq_fw_input_params input;
  mpq_fw_output_params output;
  mpq_fw_status s;
  uint32_t i, stack_bytes = 0, equal_to_host = 0, fast_equals_reference = 0;
  printf("mpq firmware: model %s\n", MPQ_MODEL_NAME);

  /* 1. What the blob asks for, from its header alone. */
  s = mpq_fw_query_memory(blob, blob_bytes, &memory);
  if (s != MPQ_FW_OK) return refuse("mpq_fw_query_memory", s);
  printf("blob %lu B, arena %lu B (static %lu B), load scratch %lu B\n", (unsigned long)blob_bytes,
         (unsigned long)memory.arena_bytes, (unsigned long)sizeof g_arena, (unsigned long)memory.load_scratch_bytes);
  if (memory.arena_bytes > sizeof g_arena || memory.load_scratch_bytes > sizeof g_arena) {
    printf("error: the blob needs a larger arena than MPQ_MODEL_ARENA_BYTES\n");
    return 2;
  }

  /* 2. Validate once; afterwards mpq_fw_run runs unchecked. */
  s = mpq_fw_load(&g_model, blob, blob_bytes, g_arena, sizeof g_arena, &error);
  if (s != MPQ_FW_OK) {
    printf("error: mpq_fw_load: %s (op %u, buffer %u)\n", mpq_fw_status_name(s), (unsigned)error.op,
           (unsigned)error.buffer);
    return 2;
  }
  mpq_fw_get_input_params(&g_model, &input);
  mpq_fw_get_output_params(&g_model, &output);
  if (input.image_bytes != MPQ_TEST_IMAGE_BYTES || output.classes > MAX_CLASSES) {
    printf("error: the model takes %ux%ux%u images with %u classes; test images have %u bytes\n",
           (unsigned)input.height, (unsigned)input.width, (unsigned)input.channels, (unsigned)output.classes,
           (unsigned)MPQ_TEST_IMAGE_BYTES);
    return 2;
  }
  printf("%u classes at %u bits; images: %s\n", (unsigned)output.classes, (unsigned)output.code_bits,
         mpq_test_images_source);
  g_source.width = input.width;
  g_source.channels = input.channels;
  if (mpq_fw_input_streamed(&g_model)) printf("input streamed: read window by window\n");

  /* 3. Each image through the fast kernels (what a device runs). */
  for (i = 0; i < MPQ_TEST_IMAGE_COUNT; ++i) {
    const uint8_t* image = mpq_test_images + i * MPQ_TEST_IMAGE_BYTES;
    uint32_t used;
    mpq_paint_stack(STACK_WINDOW_BYTES);
    s = run_image(image, MPQ_FW_KERNELS_FAST, g_codes, g_scores);
    used = mpq_painted_stack_used();
    stack_bytes = used > stack_bytes ? used : stack_bytes;
    if (s != MPQ_FW_OK) return refuse("mpq_fw_run", s);
    mpq_write_output_line(i, g_codes, g_scores, output.classes, print_text, NULL);
    printf("\n");
#ifdef MPQ_EXPECTED_CODES
    {
      /* The host's codes for this image, and the target's reference kernels. */
      const int32_t* expected = MPQ_EXPECTED_CODES + i * MPQ_MODEL_CLASSES;
      int same = output.classes == MPQ_MODEL_CLASSES;
      uint32_t k;
      for (k = 0; same && k < output.classes; ++k) same = g_codes[k] == expected[k];
      equal_to_host += same ? 1 : 0;
      if (!same) printf("image %lu: DIFFERS from the host\n", (unsigned long)i);
      s = run_image(image, MPQ_FW_KERNELS_REFERENCE, g_reference_codes, g_scores);
      if (s != MPQ_FW_OK) return refuse("mpq_fw_run (reference kernels)", s);
      same = 1;
      for (k = 0; k < output.classes; ++k) same = same && g_reference_codes[k] == g_codes[k];
      fast_equals_reference += same ? 1 : 0;
    }
#endif
  }
  printf("stack: mpq_fw_run + output used %lu B%s\n", (unsigned long)stack_bytes,
         stack_bytes >= STACK_WINDOW_BYTES ? " or more" : "");
#ifdef MPQ_EXPECTED_CODES
  {
    const int all = equal_to_host == MPQ_TEST_IMAGE_COUNT && fast_equals_reference == MPQ_TEST_IMAGE_COUNT;
    printf("verdict: %lu of %lu images give the host's codes; fast == reference kernels on %lu: %s\n",
           (unsigned long)equal_to_host, (unsigned long)MPQ_TEST_IMAGE_COUNT, (unsigned long)fast_equals_reference,
           all ? "PASS" : "FAIL");
    return all ? 0 : 1;
  }
#else
  (void)equal_to_host;
  (void)fast_equals_reference;
  return 0;
#endif
}
