#include "libmpq/data/image_transform.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "libmpq/core/error.hpp"

namespace mpq {

namespace {

// For each output index along one axis: the first contributing source index and its
// normalized weights (all of them `taps` wide, zero-padded).
struct ResampleTaps {
  int64_t taps = 0;
  std::vector<int64_t> first;
  std::vector<float> weights;  // out * taps
};

ResampleTaps triangle_taps(int64_t in, int64_t out) {
  const double scale = static_cast<double>(in) / static_cast<double>(out);
  const double support = std::max(scale, 1.0);
  ResampleTaps t;
  t.taps = static_cast<int64_t>(std::ceil(2.0 * support)) + 1;
  t.first.resize(static_cast<size_t>(out));
  t.weights.assign(static_cast<size_t>(out * t.taps), 0.f);
  for (int64_t o = 0; o < out; ++o) {
    const double center = (static_cast<double>(o) + 0.5) * scale;
    const int64_t lo = std::max<int64_t>(0, static_cast<int64_t>(std::floor(center - support)));
    const int64_t hi = std::min<int64_t>(in, static_cast<int64_t>(std::ceil(center + support)));
    double sum = 0.0;
    std::vector<double> w(static_cast<size_t>(hi - lo));
    for (int64_t i = lo; i < hi; ++i) {
      const double d = std::abs(static_cast<double>(i) + 0.5 - center) / support;
      w[static_cast<size_t>(i - lo)] = std::max(0.0, 1.0 - d);
      sum += w[static_cast<size_t>(i - lo)];
    }
    t.first[static_cast<size_t>(o)] = lo;
    for (int64_t i = 0; i < hi - lo && i < t.taps; ++i)
      t.weights[static_cast<size_t>(o * t.taps + i)] = static_cast<float>(w[static_cast<size_t>(i)] / sum);
  }
  return t;
}

uint8_t round_to_u8(float v) {
  if (!(v > 0.f)) return 0;
  if (v >= 255.f) return 255;
  return static_cast<uint8_t>(v + 0.5f);
}

}  // namespace

ImageU8 resize_bilinear(const ImageU8& src, int64_t out_h, int64_t out_w) {
  require(out_h > 0 && out_w > 0, "resize_bilinear: output size " + std::to_string(out_h) + "x" +
                                      std::to_string(out_w) + ": expected positive sizes");
  require(src.height > 0 && src.width > 0 && src.channels > 0, "resize_bilinear: expected a non-empty image");
  const int64_t c_n = src.channels;
  const ResampleTaps tx = triangle_taps(src.width, out_w);
  const ResampleTaps ty = triangle_taps(src.height, out_h);

  // Horizontal pass into float rows, so that rounding happens once.
  std::vector<float> rows(static_cast<size_t>(src.height * out_w * c_n), 0.f);
  for (int64_t y = 0; y < src.height; ++y) {
    const uint8_t* in_row = src.pixels.data() + y * src.width * c_n;
    float* out_row = rows.data() + y * out_w * c_n;
    for (int64_t x = 0; x < out_w; ++x) {
      const int64_t first = tx.first[static_cast<size_t>(x)];
      const float* w = tx.weights.data() + x * tx.taps;
      const int64_t n = std::min(tx.taps, src.width - first);
      for (int64_t c = 0; c < c_n; ++c) {
        float acc = 0.f;
        for (int64_t k = 0; k < n; ++k) acc += w[k] * static_cast<float>(in_row[(first + k) * c_n + c]);
        out_row[x * c_n + c] = acc;
      }
    }
  }

  ImageU8 dst(out_h, out_w, c_n);
  const int64_t row_len = out_w * c_n;
  std::vector<float> acc(static_cast<size_t>(row_len));
  for (int64_t y = 0; y < out_h; ++y) {
    const int64_t first = ty.first[static_cast<size_t>(y)];
    const float* w = ty.weights.data() + y * ty.taps;
    const int64_t n = std::min(ty.taps, src.height - first);
    std::fill(acc.begin(), acc.end(), 0.f);
    for (int64_t k = 0; k < n; ++k) {
      const float* in_row = rows.data() + (first + k) * row_len;
      for (int64_t i = 0; i < row_len; ++i) acc[static_cast<size_t>(i)] += w[k] * in_row[i];
    }
    uint8_t* out_row = dst.pixels.data() + y * row_len;
    for (int64_t i = 0; i < row_len; ++i) out_row[i] = round_to_u8(acc[static_cast<size_t>(i)]);
  }
  return dst;
}

ImageU8 resize_shorter_side(const ImageU8& src, int64_t shorter) {
  require(shorter > 0, "resize_shorter_side: expected a positive size, got " + std::to_string(shorter));
  int64_t h = shorter, w = shorter;
  if (src.height < src.width)
    w = std::max<int64_t>(1, std::llround(static_cast<double>(src.width) * shorter / src.height));
  else if (src.width < src.height)
    h = std::max<int64_t>(1, std::llround(static_cast<double>(src.height) * shorter / src.width));
  if (h == src.height && w == src.width) return src;
  return resize_bilinear(src, h, w);
}

ImageU8 crop(const ImageU8& src, int64_t top, int64_t left, int64_t h, int64_t w) {
  require(top >= 0 && left >= 0 && h > 0 && w > 0 && top + h <= src.height && left + w <= src.width,
          "crop: window " + std::to_string(h) + "x" + std::to_string(w) + " at (" + std::to_string(top) + ", " +
              std::to_string(left) + ") does not fit in a " + std::to_string(src.height) + "x" +
              std::to_string(src.width) + " image");
  ImageU8 dst(h, w, src.channels);
  const int64_t row_len = w * src.channels;
  for (int64_t y = 0; y < h; ++y) {
    const uint8_t* in = src.pixels.data() + ((top + y) * src.width + left) * src.channels;
    std::copy(in, in + row_len, dst.pixels.data() + y * row_len);
  }
  return dst;
}

ImageU8 center_crop(const ImageU8& src, int64_t h, int64_t w) {
  return crop(src, (src.height - h) / 2, (src.width - w) / 2, h, w);
}

void flip_horizontal(ImageU8& image) {
  const int64_t c_n = image.channels;
  for (int64_t y = 0; y < image.height; ++y) {
    uint8_t* row = image.pixels.data() + y * image.width * c_n;
    for (int64_t l = 0, r = image.width - 1; l < r; ++l, --r)
      for (int64_t c = 0; c < c_n; ++c) std::swap(row[l * c_n + c], row[r * c_n + c]);
  }
}

void normalize_image(const ImageU8& image, const PixelNormalization& norm, float* out_hwc) {
  const int64_t c_n = image.channels;
  require(static_cast<int64_t>(norm.mean.size()) == c_n && static_cast<int64_t>(norm.std.size()) == c_n,
          "normalize_image: " + std::to_string(norm.mean.size()) + " means for an image of " + std::to_string(c_n) +
              " channels: expected one per channel");
  // One lookup table per channel: 256 values instead of a divide per pixel.
  std::vector<float> table(static_cast<size_t>(256 * c_n));
  for (int64_t c = 0; c < c_n; ++c)
    for (int p = 0; p < 256; ++p)
      table[static_cast<size_t>(c * 256 + p)] =
          (static_cast<float>(p) / 255.f - norm.mean[static_cast<size_t>(c)]) / norm.std[static_cast<size_t>(c)];
  const int64_t pixels = image.height * image.width;
  for (int64_t i = 0; i < pixels; ++i)
    for (int64_t c = 0; c < c_n; ++c)
      out_hwc[i * c_n + c] = table[static_cast<size_t>(c * 256 + image.pixels[static_cast<size_t>(i * c_n + c)])];
}

}  // namespace mpq
