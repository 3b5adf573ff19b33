// decode_image_file (libmpq/data, through stb_image) on arbitrary bytes, then the rest of
// the image-folder data path: resize the shorter side, centre-crop, normalize (what
// ImageFolder does with every evaluation image). Decoding works or throws mpq::Error; a
// decoded image has its header's size.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <stb_image.h>

#include "fuzz/fuzz_support.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/data/decode_image.hpp"
#include "libmpq/data/image_transform.hpp"

namespace {
// Larger images are skipped (stbi_info reads the header): a few header bytes can promise
// gigapixels, which libFuzzer's memory limit would report as a crash. 256x256 rather than
// the 4 Mpx of before: stb_image's decoders run the same code for every row and block
// however many there are, and a mutated header promising millions of pixels made each
// input cost milliseconds of filling and resizing (28 inputs/s); the size arithmetic that
// could overflow only does so far beyond either cap. docs/reliability.md notes the limit.
constexpr int64_t kMaxPixels = 1 << 16;
constexpr int64_t kSize = 16;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static mpq::fuzz::MemoryFile file;
  if (size > INT32_MAX) return 0;
  int w = 0, h = 0, c = 0;
  if (stbi_info_from_memory(data, static_cast<int>(size), &w, &h, &c) &&
      static_cast<int64_t>(w) * h > kMaxPixels)
    return 0;
  file.write(data, size);
  for (int channels : {1, 3}) {
    mpq::ImageU8 image;
    try {
      image = mpq::decode_image_file(file.path(), channels);
    } catch (const mpq::Error&) {
      continue;
    }
    if (image.height <= 0 || image.width <= 0 || image.channels != channels ||
        image.pixels.size() != static_cast<size_t>(image.height) * image.width * channels)
      mpq::fuzz::fail("decode_image_file: pixels that do not match the image's size");
    // A 1-pixel-high strip resizes to a gigapixel one: skipped like large images.
    const int64_t shorter = std::min(image.height, image.width), longer = std::max(image.height, image.width);
    if (longer * (kSize + kSize / 8) / shorter * (kSize + kSize / 8) > kMaxPixels) continue;
    const mpq::ImageU8 resized = mpq::resize_shorter_side(image, kSize + kSize / 8);
    const mpq::ImageU8 crop = mpq::center_crop(resized, kSize, kSize);
    mpq::PixelNormalization norm{std::vector<float>(channels, 0.5f), std::vector<float>(channels, 0.25f)};
    std::vector<float> out(static_cast<size_t>(kSize * kSize * channels));
    mpq::normalize_image(crop, norm, out.data());
  }
  return 0;
}
