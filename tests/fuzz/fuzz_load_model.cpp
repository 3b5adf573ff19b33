// load_model (libmpq/runtime) on arbitrary bytes, the device's path: no allocation by
// the runtime, caller-owned scratch and arena. Every heap block below has exactly the size
// the runtime asked for, so ASan reports any byte touched outside the scratch, the arena
// or the blob. A blob that loads must also run: the fast and the reference kernels give
// the same output codes, each within 0 .. 2^output_bits - 1.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "fuzz/fuzz_support.hpp"
#include "libmpq/runtime/runtime.hpp"

namespace {

using namespace mpq;

// Bigger arenas or images are skipped: no MCU has that much RAM, and libFuzzer's memory
// limit would report them as crashes.
constexpr uint32_t kMaxArenaBytes = 64u << 20;
constexpr uint64_t kMaxImageBytes = 16u << 20;
constexpr size_t kHeaderBytes = 64;   // docs/blob-format.md: CRC-32 at 12 over [64, end)
constexpr size_t kCrcOffset = 12;

struct HeapBlock {  // exactly `bytes` long, aligned, freed on scope exit
  void* p = nullptr;
  HeapBlock(size_t bytes, size_t alignment) {
    if (posix_memalign(&p, alignment < sizeof(void*) ? sizeof(void*) : alignment, bytes) != 0) p = nullptr;
  }
  ~HeapBlock() { std::free(p); }
};

// A streamed input's reader: windows of the image, each checked to lie inside it (ASan
// then checks the window buffer the runtime hands out is as large as it says).
struct ImageWindows {
  const rt::ModelView* model;
  const uint8_t* image;
};

int read_window(void* user, uint16_t row, uint16_t rows, uint16_t col, uint16_t cols, uint8_t* pixels) {
  const ImageWindows& w = *static_cast<const ImageWindows*>(user);
  const rt::ModelView& m = *w.model;
  if (rows == 0 || cols == 0 || uint32_t{row} + rows > m.input_h || uint32_t{col} + cols > m.input_w)
    fuzz::fail("run_model: a streamed input's window outside the image");
  for (uint32_t r = 0; r < rows; ++r)
    std::memcpy(pixels + size_t{r} * cols * m.input_c, w.image + ((size_t{row} + r) * m.input_w + col) * m.input_c,
                size_t{cols} * m.input_c);
  return 0;
}

std::vector<int32_t> run(const rt::ModelView& model, const uint8_t* image, rt::KernelVariant variant, uint8_t fill) {
  HeapBlock arena(model.arena_bytes, model.arena_alignment);
  if (arena.p == nullptr) fuzz::fail("load_model: cannot allocate the arena it asked for");
  std::memset(arena.p, fill, model.arena_bytes);
  ImageWindows windows{&model, image};
  rt::InputStream input;
  input.read = read_window;
  input.user = &windows;
  // A blob whose stage streams its input runs only from a reader (input_mode_mismatch otherwise).
  const rt::Status run = model.patch.stream_input ? rt::run_model(model, input, arena.p, model.arena_bytes, variant)
                                                  : rt::run_model(model, image, arena.p, model.arena_bytes, variant);
  if (run != rt::Status::ok)
    fuzz::fail(std::string("run_model refused a blob load_model accepted: ") + rt::status_name(run));
  std::vector<int32_t> codes(model.classes);
  if (rt::unpack_output(model, arena.p, codes.data(), model.classes) != rt::Status::ok)
    fuzz::fail("unpack_output refused a loaded model");
  return codes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < kHeaderBytes || size > UINT32_MAX) return 0;
  std::string bytes(reinterpret_cast<const char*>(data), size);
  fuzz::repair_crc32(bytes, kCrcOffset, kHeaderBytes, size);
  HeapBlock blob(size, 16);
  std::memcpy(blob.p, bytes.data(), size);
  const auto* blob_bytes = static_cast<const uint8_t*>(blob.p);

  rt::BlobMemory memory{};
  if (rt::query_blob_memory(blob_bytes, static_cast<uint32_t>(size), &memory) != rt::Status::ok) return 0;
  rt::ModelView model;
  rt::Status status;
  {
    HeapBlock scratch(memory.load_scratch_bytes, 4);
    status = rt::load_model(blob_bytes, static_cast<uint32_t>(size), scratch.p, memory.load_scratch_bytes, &model);
  }
  if (status != rt::Status::ok) return 0;
  if (model.arena_bytes != memory.arena_bytes || model.arena_alignment != memory.arena_alignment)
    fuzz::fail("load_model's arena differs from query_blob_memory's");
  const uint64_t image_bytes = uint64_t{model.input_h} * model.input_w * model.input_c;
  if (model.arena_bytes > kMaxArenaBytes || image_bytes > kMaxImageBytes) return 0;

  std::vector<uint8_t> pixels(image_bytes);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 37 + size);
  HeapBlock image(image_bytes, 1);
  std::memcpy(image.p, pixels.data(), image_bytes);

  const std::vector<int32_t> fast = run(model, static_cast<uint8_t*>(image.p), rt::KernelVariant::fast, 0xA5);
  const std::vector<int32_t> reference = run(model, static_cast<uint8_t*>(image.p), rt::KernelVariant::reference, 0x5A);
  if (fast != reference) fuzz::fail("run_model: the fast and the reference kernels disagree on a loaded blob");
  for (int32_t code : fast)
    if (code < 0 || code >= (int64_t{1} << model.output_bits)) fuzz::fail("run_model: an output code outside its bits");
  return 0;
}
