#include "libmpq/data/decode_image.hpp"

#include <cstdlib>
#include <memory>

#include <stb_image.h>

#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/error.hpp"

namespace mpq {

ImageU8 decode_image_file(const std::string& path, int channels, int64_t max_pixels) {
  require(channels >= 1 && channels <= 4, path + ": cannot decode into " + std::to_string(channels) +
                                              " channels: expected 1 to 4");
  const std::string bytes = read_file(path);
  if (bytes.size() > static_cast<size_t>(INT32_MAX)) throw Error(path + ": image file larger than 2 GB");
  int w = 0, h = 0, file_channels = 0;
  const auto refuse_if_too_large = [&](int64_t width, int64_t height) {
    if (width * height > max_pixels)
      throw Error(path + ": image of " + std::to_string(width) + "x" + std::to_string(height) +
                  " pixels: larger than the " + std::to_string(max_pixels) + "-pixel limit");
  };
  // From the header, before any pixel is allocated. stb reports a top-down BMP's height
  // as it is stored, negative.
  if (stbi_info_from_memory(reinterpret_cast<const stbi_uc*>(bytes.data()), static_cast<int>(bytes.size()), &w, &h,
                            &file_channels))
    refuse_if_too_large(std::abs(int64_t{w}), std::abs(int64_t{h}));
  // stbi_failure_reason() is thread-local in this stb version, so the message belongs to
  // this call even when other threads decode at the same time.
  std::unique_ptr<stbi_uc, void (*)(void*)> data(
      stbi_load_from_memory(reinterpret_cast<const stbi_uc*>(bytes.data()), static_cast<int>(bytes.size()), &w, &h,
                            &file_channels, channels),
      stbi_image_free);
  if (!data) {
    const char* reason = stbi_failure_reason();
    throw Error(path + ": cannot decode image (" + (reason ? reason : "unknown reason") +
                "): expected a valid PNG, JPEG or BMP file");
  }
  // stb_image decodes a BMP whose header says 0 rows as an empty image; every transform
  // after this one needs pixels (resize divides by the shorter side).
  if (w <= 0 || h <= 0)
    throw Error(path + ": image of " + std::to_string(w) + "x" + std::to_string(h) +
                " pixels: expected at least 1x1");
  refuse_if_too_large(w, h);  // for a header stbi_info could not read
  ImageU8 image;
  image.height = h;
  image.width = w;
  image.channels = channels;
  image.pixels.assign(data.get(), data.get() + static_cast<size_t>(w) * static_cast<size_t>(h) * channels);
  return image;
}

}  // namespace mpq
