// decode_image_file (libmpq/data, through stb_image) on arbitrary bytes, then the rest of
// the image-folder data path: resize the shorter side, centre-crop, normalize (what
// ImageFolder does with every evaluation image). Decoding works or throws mpq::Error; a
// decoded image has its header's size, within the limit it was given.
#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "fuzz/fuzz_support.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/data/decode_image.hpp"
#include "libmpq/data/image_transform.hpp"

namespace {
// Larger images are refused by decode_image_file from their header, before decoding. The
// harness's limit: 256x256 rather than the data path's 64 Mpx (a few header bytes promise
// that much, beyond libFuzzer's 2 GiB) or the 4 Mpx of before: stb_image's decoders run
// the same code for every row and block however many there are, and mutated headers
// promising millions of pixels held the target at 28 inputs/s; the size arithmetic that
// could overflow only does so far beyond any of these limits.
constexpr int64_t kMaxPixels = 1 << 16;
constexpr int64_t kSize = 16;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static mpq::fuzz::MemoryFile file;
  if (size > INT32_MAX) return 0;
  file.write(data, size);
  for (int channels : {1, 3}) {
    mpq::ImageU8 image;
    try {
      image = mpq::decode_image_file(file.path(), channels, kMaxPixels);
    } catch (const mpq::Error&) {
      continue;
    }
    if (image.height <= 0 || image.width <= 0 || image.channels != channels ||
        image.pixels.size() != static_cast<size_t>(image.height) * image.width * channels)
      mpq::fuzz::fail("decode_image_file: pixels that do not match the image's size");
    if (image.height * image.width > kMaxPixels) mpq::fuzz::fail("decode_image_file: an image above its limit");
    // A 1-pixel-high strip resizes to a gigapixel one: skipped like large images.
    const int64_t shorter = std::min(image.height, image.width), longer = std::max(image.height, image.width);
    if (longer * (kSize + kSize / 8) / shorter * (kSize + kSize / 8) > kMaxPixels) continue;
    // The transforms' loops, memory accesses and value ranges depend on the image's shape
    // only (pixels are bytes, the resize's weights are non-negative and sum to 1, its
    // rounding clamps), so each shape is transformed once: the resize took 85% of the
    // target's time, mostly repeating itself on shapes it had already seen.
    static std::set<std::tuple<int64_t, int64_t, int>> transformed_shapes;
    if (!transformed_shapes.insert({image.height, image.width, channels}).second) continue;
    const mpq::ImageU8 resized = mpq::resize_shorter_side(image, kSize + kSize / 8);
    const mpq::ImageU8 crop = mpq::center_crop(resized, kSize, kSize);
    mpq::PixelNormalization norm{std::vector<float>(channels, 0.5f), std::vector<float>(channels, 0.25f)};
    std::vector<float> out(static_cast<size_t>(kSize * kSize * channels));
    mpq::normalize_image(crop, norm, out.data());
  }
  return 0;
}
