#include "tests/firmware/host/fixture_images.hpp"

#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/core/rng.hpp"
#include "libmpq/data/idx_reader.hpp"

namespace mpq::firmware {

namespace {

std::string existing(const std::string& dir, const std::string& name) {
  for (const std::string& candidate : {dir + "/" + name, dir + "/" + name + ".gz"})
    if (file_exists(candidate)) return candidate;
  return "";
}

FixtureImages empty_canvas_set(const ModelSpec& spec, int64_t count) {
  require(spec.in_channels == 1 && spec.in_height >= 28 && spec.in_width >= 28,
          "firmware fixtures: the model input " + spec.to_string() + " is not a one-channel canvas of at least 28x28");
  FixtureImages out;
  out.count = count;
  out.height = spec.in_height;
  out.width = spec.in_width;
  out.channels = 1;
  out.pixels.assign(static_cast<size_t>(count * out.image_bytes()), 0);
  return out;
}

// Bright blobs and stripes on a dark background, so that every layer sees varied input.
void draw_synthetic(FixtureImages& out, uint64_t seed) {
  Rng rng(seed);
  for (int64_t i = 0; i < out.count; ++i) {
    uint8_t* p = out.pixels.data() + i * out.image_bytes();
    const int64_t cy = 4 + static_cast<int64_t>(rng.below(static_cast<uint64_t>(out.height - 8)));
    const int64_t cx = 4 + static_cast<int64_t>(rng.below(static_cast<uint64_t>(out.width - 8)));
    const int64_t r2 = 16 + static_cast<int64_t>(rng.below(80));
    const int64_t stripe = 2 + static_cast<int64_t>(rng.below(5));
    for (int64_t y = 0; y < out.height; ++y)
      for (int64_t x = 0; x < out.width; ++x) {
        const int64_t d2 = (y - cy) * (y - cy) + (x - cx) * (x - cx);
        int64_t v = d2 < r2 ? 255 - 2 * d2 : 0;
        if ((x / stripe) % 2 == 0) v += 40;
        v += static_cast<int64_t>(rng.below(24));
        p[y * out.width + x] = static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
      }
  }
  out.source = "synthetic images (seed " + std::to_string(seed) + "; Fashion-MNIST not installed)";
}

}  // namespace

FixtureImages load_fixture_images(const std::string& dir, const std::string& set, int64_t first, int64_t count,
                                  const ModelSpec& spec, uint64_t seed) {
  FixtureImages out = empty_canvas_set(spec, count);
  const std::string images_path = existing(dir, set + "-images-idx3-ubyte");
  const std::string labels_path = existing(dir, set + "-labels-idx1-ubyte");
  if (images_path.empty() || labels_path.empty()) {
    draw_synthetic(out, seed);
    return out;
  }
  const IdxLabelledImages idx = read_idx_labelled_images(images_path, labels_path, 10);
  require(first + count <= idx.images.count && idx.images.rows <= out.height && idx.images.cols <= out.width,
          images_path + ": fewer than " + std::to_string(first + count) + " images or images larger than the model input");
  const int64_t top = (out.height - idx.images.rows) / 2, left = (out.width - idx.images.cols) / 2;
  for (int64_t i = 0; i < count; ++i) {
    const uint8_t* src = idx.images.pixels.data() + (first + i) * idx.images.rows * idx.images.cols;
    uint8_t* dst = out.pixels.data() + i * out.image_bytes();
    for (int64_t y = 0; y < idx.images.rows; ++y)
      for (int64_t x = 0; x < idx.images.cols; ++x)
        dst[(y + top) * out.width + x + left] = src[y * idx.images.cols + x];
    out.labels.push_back(idx.labels[static_cast<size_t>(first + i)]);
  }
  out.source = "Fashion-MNIST " + set + " images " + std::to_string(first) + ".." + std::to_string(first + count - 1) +
               " (" + images_path + ")";
  return out;
}

Tensor normalized_batch(const FixtureImages& images, int64_t first, int64_t count,
                        const PixelNormalization& normalization) {
  Tensor batch({count, images.height, images.width, images.channels});
  float* x = batch.data();
  for (int64_t i = 0; i < count * images.image_bytes(); ++i) {
    const int64_t c = i % images.channels;
    const float p = images.pixels[static_cast<size_t>(first * images.image_bytes() + i)] / 255.f;
    x[i] = (p - normalization.mean[static_cast<size_t>(c)]) / normalization.std[static_cast<size_t>(c)];
  }
  return batch;
}

}  // namespace mpq::firmware
