// Example firmware: runs an exported model blob (`mpq export --c-source`) linked in as a
// const array on raw test images linked in the same way, with libmpq_fw (kernels +
// runtime) and nothing else: no heap, one static arena. Prints one line per image
//   image I: class K codes C0 C1 ... scores S0 S1 ...
// (apps/firmware/output_line.hpp), then, when the build provides the host's codes, the
// verdict of the comparison. Exit status: 0 ok, 1 outputs differ from the host's, 2 the
// runtime refused the blob, the arena or an image.
//
// The build provides two headers (tests/firmware/host writes them for the QEMU tests):
//   firmware_model.h  MPQ_MODEL_NAME, MPQ_MODEL_BLOB / MPQ_MODEL_BLOB_SIZE (the symbols
//                     of the exported C source), MPQ_MODEL_ARENA_BYTES (the blob's arena,
//                     `mpq memory`'s RAM); optionally MPQ_EXPECTED_CODES and
//                     MPQ_MODEL_CLASSES, the host runtime's output codes per image
//   test_images.h     MPQ_TEST_IMAGE_COUNT, MPQ_TEST_IMAGE_BYTES, mpq_test_images[],
//                     mpq_test_images_source[]
#include <cstdio>

#include "apps/firmware/output_line.hpp"
#include "apps/firmware/stack_usage.hpp"
#include "firmware_model.h"
#include "libmpq/runtime/runtime.hpp"
#include "test_images.h"

namespace {

namespace rt = mpq::rt;

// The activation arena, sized at build time from the blob's header. It also serves as
// load_model's scratch (14 bytes per buffer; any real model's arena is far larger).
alignas(8) uint8_t g_arena[MPQ_MODEL_ARENA_BYTES];

// Stack window painted to measure run_model's stack (the QEMU boards have megabytes).
constexpr uint32_t kStackWindowBytes = 16 * 1024;
constexpr uint32_t kMaxClasses = 1000;

void print_text(const char* text, void*) { std::fputs(text, stdout); }

int refuse(const char* what, rt::Status status) {
  std::printf("error: %s: %s\n", what, rt::status_name(status));
  return 2;
}

// Runs one image and reads its codes and scores; prints and returns the failure, if any.
rt::Status run_image(const rt::ModelView& model, const uint8_t* image, rt::KernelVariant variant, int32_t* codes,
                     float* scores) {
  rt::Status s = rt::run_model(model, image, g_arena, sizeof g_arena, variant);
  if (s == rt::Status::ok) s = rt::unpack_output(model, g_arena, codes, kMaxClasses);
  if (s == rt::Status::ok) s = rt::dequantize_output(model, codes, scores, kMaxClasses);
  return s;
}

}  // namespace

int main() {
  const uint8_t* blob = MPQ_MODEL_BLOB;
  const uint32_t blob_bytes = MPQ_MODEL_BLOB_SIZE;
  std::printf("mpq firmware: model %s\n", MPQ_MODEL_NAME);

  // 1. What the blob asks for, from its header alone.
  rt::BlobMemory memory{};
  rt::Status s = rt::query_blob_memory(blob, blob_bytes, &memory);
  if (s != rt::Status::ok) return refuse("query_blob_memory", s);
  std::printf("blob %lu B, arena %lu B (static %lu B), load scratch %lu B\n", static_cast<unsigned long>(blob_bytes),
              static_cast<unsigned long>(memory.arena_bytes), static_cast<unsigned long>(sizeof g_arena),
              static_cast<unsigned long>(memory.load_scratch_bytes));
  if (memory.arena_bytes > sizeof g_arena || memory.load_scratch_bytes > sizeof g_arena) {
    std::printf("error: the blob needs a larger arena than MPQ_MODEL_ARENA_BYTES\n");
    return 2;
  }

  // 2. Validate once; afterwards run_model runs unchecked.
  rt::ModelView model;
  rt::LoadError error;
  s = rt::load_model(blob, blob_bytes, g_arena, sizeof g_arena, &model, &error);
  if (s != rt::Status::ok) {
    std::printf("error: load_model: %s (op %u, buffer %u)\n", rt::status_name(s), static_cast<unsigned>(error.op),
                static_cast<unsigned>(error.buffer));
    return 2;
  }
  if (static_cast<uint32_t>(model.input_h) * model.input_w * model.input_c != MPQ_TEST_IMAGE_BYTES ||
      model.classes > kMaxClasses) {
    std::printf("error: the model takes %ux%ux%u images with %u classes; test images have %u bytes\n",
                model.input_h, model.input_w, model.input_c, model.classes, MPQ_TEST_IMAGE_BYTES);
    return 2;
  }
  std::printf("%u classes at %u bits; images: %s\n", model.classes, model.output_bits, mpq_test_images_source);

  // 3. Each image through the fast kernels (what a device runs).
  static int32_t codes[kMaxClasses];
  static float scores[kMaxClasses];
  uint32_t stack_bytes = 0;
  uint32_t equal_to_host = 0, fast_equals_reference = 0;
  for (uint32_t i = 0; i < MPQ_TEST_IMAGE_COUNT; ++i) {
    const uint8_t* image = mpq_test_images + i * MPQ_TEST_IMAGE_BYTES;
    mpq::firmware::paint_stack(kStackWindowBytes);
    s = run_image(model, image, rt::KernelVariant::fast, codes, scores);
    const uint32_t used = mpq::firmware::painted_stack_used();
    stack_bytes = used > stack_bytes ? used : stack_bytes;
    if (s != rt::Status::ok) return refuse("run_model", s);
    mpq::firmware::write_output_line(i, codes, scores, model.classes, print_text, nullptr);
    std::printf("\n");
#ifdef MPQ_EXPECTED_CODES
    // The host's codes for this image, and the target's reference kernels.
    const int32_t* expected = MPQ_EXPECTED_CODES + i * MPQ_MODEL_CLASSES;
    bool same = model.classes == MPQ_MODEL_CLASSES;
    for (uint32_t k = 0; same && k < model.classes; ++k) same = codes[k] == expected[k];
    equal_to_host += same ? 1 : 0;
    if (!same) std::printf("image %lu: DIFFERS from the host\n", static_cast<unsigned long>(i));
    static int32_t reference_codes[kMaxClasses];
    s = run_image(model, image, rt::KernelVariant::reference, reference_codes, scores);
    if (s != rt::Status::ok) return refuse("run_model (reference kernels)", s);
    same = true;
    for (uint32_t k = 0; k < model.classes; ++k) same = same && reference_codes[k] == codes[k];
    fast_equals_reference += same ? 1 : 0;
#endif
  }
  std::printf("stack: run_model + output used %lu B%s\n", static_cast<unsigned long>(stack_bytes),
              stack_bytes >= kStackWindowBytes ? " or more" : "");
#ifdef MPQ_EXPECTED_CODES
  const bool all = equal_to_host == MPQ_TEST_IMAGE_COUNT && fast_equals_reference == MPQ_TEST_IMAGE_COUNT;
  std::printf("verdict: %lu of %lu images give the host's codes; fast == reference kernels on %lu: %s\n",
              static_cast<unsigned long>(equal_to_host), static_cast<unsigned long>(MPQ_TEST_IMAGE_COUNT),
              static_cast<unsigned long>(fast_equals_reference), all ? "PASS" : "FAIL");
  return all ? 0 : 1;
#else
  return 0;
#endif
}
