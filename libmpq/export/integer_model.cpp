#include "libmpq/export/integer_model.hpp"

#include <cmath>
#include <cstring>

#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/runtime/blob_format.hpp"
#include "libmpq/runtime/blob_header.hpp"
#include "libmpq/runtime/load_model.hpp"
#include "libmpq/runtime/model_output.hpp"
#include "libmpq/runtime/run_model.hpp"
#include "libmpq/runtime/status.hpp"

namespace mpq {

namespace {
void check(rt::Status s, const std::string& what, const char* doing) {
  if (s != rt::Status::ok) throw Error(what + ": " + doing + " failed (" + rt::status_name(s) + ")");
}

// A streamed blob's reader on the host: windows of the whole image already in memory,
// the bytes run_model would have taken at once.
struct ImageWindows {
  const uint8_t* image;
  uint32_t width, channels;
};

int read_image_window(void* user, uint16_t row, uint16_t rows, uint16_t col, uint16_t cols, uint8_t* pixels) {
  const ImageWindows& w = *static_cast<const ImageWindows*>(user);
  const size_t row_bytes = static_cast<size_t>(cols) * w.channels;
  for (uint32_t r = 0; r < rows; ++r)
    std::memcpy(pixels + r * row_bytes, w.image + ((static_cast<size_t>(row) + r) * w.width + col) * w.channels,
                row_bytes);
  return 0;
}
}  // namespace

IntegerModel::IntegerModel(const std::vector<uint8_t>& blob, const std::string& what) : what_(what) {
  storage_.assign((blob.size() + 3) / 4, 0u);
  if (!blob.empty()) std::memcpy(storage_.data(), blob.data(), blob.size());
  const auto* bytes = reinterpret_cast<const uint8_t*>(storage_.data());
  const auto size = static_cast<uint32_t>(blob.size());
  rt::BlobMemory memory{};
  rt::Status s = rt::query_blob_memory(bytes, size, &memory);
  if (s == rt::Status::bad_version)
    throw Error(what + ": blob version " + std::to_string(rt::decode_blob_header(bytes).version) + ", this build reads " +
                std::to_string(blob::kOldestVersion) + " to " + std::to_string(blob::kVersion) +
                " (re-export it from its checkpoint)");
  if (s != rt::Status::ok) throw Error(what + ": not a valid model blob (" + rt::status_name(s) + ")");
  std::vector<uint32_t> scratch((memory.load_scratch_bytes + 3) / 4 + 1);
  rt::LoadError error;
  s = rt::load_model(bytes, size, scratch.data(), static_cast<uint32_t>(scratch.size() * 4), &view_, &error);
  if (s != rt::Status::ok) {
    std::string where = error.op != rt::kNoOp ? " at op " + std::to_string(error.op) : "";
    throw Error(what + ": invalid model blob (" + rt::status_name(s) + where + ")");
  }
}

IntegerModel IntegerModel::load(const std::string& path) {
  const std::string bytes = read_file(path);
  return IntegerModel(std::vector<uint8_t>(bytes.begin(), bytes.end()), path);
}

std::vector<int32_t> IntegerModel::run(const uint8_t* image, bool reference) const {
  std::vector<uint64_t> arena((view_.arena_bytes + 7) / 8 + 1);
  const rt::KernelVariant variant = reference ? rt::KernelVariant::reference : rt::KernelVariant::fast;
  if (view_.patch.stream_input) {
    if (image == nullptr) check(rt::Status::bad_argument, what_, "running the model");
    ImageWindows windows{image, view_.input_w, view_.input_c};
    rt::InputStream input;
    input.read = read_image_window;
    input.user = &windows;
    check(rt::run_model(view_, input, arena.data(), view_.arena_bytes, variant), what_, "running the model");
  } else {
    check(rt::run_model(view_, image, arena.data(), view_.arena_bytes, variant), what_, "running the model");
  }
  std::vector<int32_t> codes(view_.classes);
  check(rt::unpack_output(view_, arena.data(), codes.data(), view_.classes), what_, "reading the output");
  return codes;
}

std::vector<float> IntegerModel::dequantize(const std::vector<int32_t>& codes) const {
  std::vector<float> values(codes.size());
  check(rt::dequantize_output(view_, codes.data(), values.data(), static_cast<uint32_t>(codes.size())), what_,
        "dequantizing the output");
  return values;
}

uint8_t pixel_from_normalized(float x, float mean, float std) {
  const float p = std::nearbyint((x * std + mean) * 255.f);
  return static_cast<uint8_t>(p < 0.f ? 0.f : (p > 255.f ? 255.f : p));
}

}  // namespace mpq
