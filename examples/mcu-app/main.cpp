// The smallest useful libmpq firmware: validate the linked-in model once, then classify.
// Memory is all static: the blob stays in FLASH (a const array), the activation arena is
// a static buffer of MODEL_ARENA_BYTES checked against what the blob asks for, and the
// runtime allocates nothing. The image here is synthetic (a bright square); a device
// would take it from its camera or sensor, HWC, one byte per value. A blob exported with
// `--patch-input stream` gets it window by window from a reader instead (below).
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
uint8_t g_image[64 * 64 * 3];  // the largest whole input this example accepts

struct Scene {
  uint32_t height, width, channels;
};

// The synthetic image, any window of it: rows [row, row + rows), columns [col, col + cols),
// every channel, HWC, densely, as an rt::InputReader writes it. The square covers the
// middle half of each side. Both paths draw through this, so they run the same bytes.
int draw_window(void* user, uint16_t row, uint16_t rows, uint16_t col, uint16_t cols, uint8_t* pixels) {
  const Scene& s = *static_cast<const Scene*>(user);
  for (uint32_t y = row; y < uint32_t{row} + rows; ++y)
    for (uint32_t x = col; x < uint32_t{col} + cols; ++x) {
      const bool inside = 4 * y >= s.height && 4 * y < 3 * s.height && 4 * x >= s.width && 4 * x < 3 * s.width;
      for (uint32_t c = 0; c < s.channels; ++c) *pixels++ = inside ? 200 : 10;
    }
  return 0;
}

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
  if (s != rt::Status::ok) {
    std::printf("cannot run this model: %s\n", rt::status_name(s));
    return 1;
  }
  Scene scene{model.input_h, model.input_w, model.input_c};
  if (model.patch.stream_input) {
    // A streamed-input blob's arena holds no copy of the image (at 3x224x224 that copy
    // alone is 150,528 B): its patch stage calls the reader for one tile's window at a
    // time. A buffer of the whole image here would spend the RAM the export saved, so this
    // path has none and takes any input size: a camera driver would copy the window's
    // lines, this example draws them. (g_image serves the whole-image path only; firmware
    // that runs streamed blobs alone leaves it out.)
    s = rt::run_model(model, rt::InputStream{draw_window, &scene}, g_arena, sizeof g_arena);
  } else {
    if (static_cast<uint32_t>(model.input_h) * model.input_w * model.input_c > sizeof g_image) {
      std::printf("cannot run this model: a %ux%ux%u input is more than this example holds\n",
                  static_cast<unsigned>(model.input_h), static_cast<unsigned>(model.input_w),
                  static_cast<unsigned>(model.input_c));
      return 1;
    }
    draw_window(&scene, 0, model.input_h, 0, model.input_w, g_image);
    s = rt::run_model(model, g_image, g_arena, sizeof g_arena);
  }
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
