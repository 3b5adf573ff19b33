#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mpq {

// An 8-bit image, HWC, row-major, owning its pixels. The transforms keep pixels in this
// form until normalization, so that training sees the same 8-bit values the integer
// network will.
struct ImageU8 {
  int64_t height = 0;
  int64_t width = 0;
  int64_t channels = 0;
  std::vector<uint8_t> pixels;  // height * width * channels

  ImageU8() = default;
  ImageU8(int64_t h, int64_t w, int64_t c, uint8_t fill = 0)
      : height(h), width(w), channels(c), pixels(static_cast<size_t>(h * w * c), fill) {}

  uint8_t& at(int64_t y, int64_t x, int64_t c) { return pixels[static_cast<size_t>((y * width + x) * channels + c)]; }
  uint8_t at(int64_t y, int64_t x, int64_t c) const {
    return pixels[static_cast<size_t>((y * width + x) * channels + c)];
  }
};

}  // namespace mpq
