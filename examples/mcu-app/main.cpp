// The smallest useful libmpq firmware: validate the linked-in model once, then classify.
// Memory is all static: the blob stays in FLASH (a const array), the activation arena is
// a static buffer of MODEL_ARENA_BYTES checked against what the blob asks for, and the
// runtime allocates nothing. The image here is synthetic (a bright square); a device
// would take it from its camera or sensor, HWC, one byte per value.
#include <cstdint>
#include <cstdio>

#include MODEL_HEADER  // from `mpq export --c-source`: MODEL_BLOB[], MODEL_BLOB_size and
                       // MODEL_BLOB_kernels, the kernels its ops run on
#include "libmpq/runtime/runtime.hpp"

#define MPQ_CONCAT(a, b) a##b
#define MPQ_SIZE_OF(symbol) MPQ_CONCAT(symbol, _size)
#define MPQ_KERNELS_OF(symbol) MPQ_CONCAT(symbol, _kernels)

namespace {

alignas(8) uint8_t g_arena[MODEL_ARENA_BYTES];
uint8_t g_image[64 * 64 * 3];  // the largest input this example accepts

}  // namespace

int main() {
  namespace rt = mpq::rt;
  const uint8_t* blob = MODEL_BLOB;
  const uint32_t blob_bytes = MPQ_SIZE_OF(MODEL_BLOB);

  rt::BlobMemory memory{};
  rt::Status s = rt::query_blob_memory(blob, blob_bytes, &memory);
  if (s != rt::Status::ok || memory.arena_bytes > sizeof g_arena || memory.load_scratch_bytes > sizeof g_arena) {
    std::printf("model needs an arena of %lu B, have %lu B (%s)\n", static_cast<unsigned long>(memory.arena_bytes),
                static_cast<unsigned long>(sizeof g_arena), rt::status_name(s));
    return 1;
  }
  rt::ModelView model;
  // The arena doubles as scratch. With the blob's own kernel table, --gc-sections drops
  // every kernel variant the model does not use.
  s = rt::load_model(blob, blob_bytes, g_arena, sizeof g_arena, MPQ_KERNELS_OF(MODEL_BLOB), &model);
  const uint32_t image_bytes = static_cast<uint32_t>(model.input_h) * model.input_w * model.input_c;
  if (s != rt::Status::ok || image_bytes > sizeof g_image) {
    std::printf("cannot run this model: %s\n", rt::status_name(s));
    return 1;
  }

  for (uint32_t y = 0; y < model.input_h; ++y)
    for (uint32_t x = 0; x < model.input_w; ++x)
      for (uint32_t c = 0; c < model.input_c; ++c) {
        const bool inside = 4 * y >= model.input_h && 4 * y < 3u * model.input_h && 4 * x >= model.input_w &&
                            4 * x < 3u * model.input_w;
        g_image[(y * model.input_w + x) * model.input_c + c] = inside ? 200 : 10;
      }

  s = rt::run_model(model, g_image, g_arena, sizeof g_arena);
  static int32_t codes[1000];  // the most classes this example prints
  if (s == rt::Status::ok) s = rt::unpack_output(model, g_arena, codes, sizeof codes / sizeof codes[0]);
  if (s != rt::Status::ok) {
    std::printf("inference failed: %s\n", rt::status_name(s));
    return 1;
  }
  uint32_t top = 0;
  for (uint32_t k = 1; k < model.classes; ++k)
    if (codes[k] > codes[top]) top = k;
  std::printf("mcu-app: %lu B model, %lu B arena; class %lu, output codes", static_cast<unsigned long>(blob_bytes),
              static_cast<unsigned long>(memory.arena_bytes), static_cast<unsigned long>(top));
  for (uint32_t k = 0; k < model.classes; ++k) std::printf(" %ld", static_cast<long>(codes[k]));
  std::printf("\n");
  return 0;
}
