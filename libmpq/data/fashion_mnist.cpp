#include "libmpq/data/fashion_mnist.hpp"

#include <algorithm>
#include <array>

#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/data/idx_reader.hpp"
#include "libmpq/data/train_validation_split.hpp"

namespace mpq {

namespace {

constexpr int kNumClasses = 10;
constexpr std::array<const char*, kNumClasses> kClassNames = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};

// The gzip name first (what Debian ships), then the raw name.
std::string find_idx_file(const std::string& dir, const std::string& stem) {
  const std::string gz = dir + "/" + stem + ".gz";
  if (file_exists(gz)) return gz;
  const std::string raw = dir + "/" + stem;
  if (file_exists(raw)) return raw;
  throw Error(dir + ": neither " + stem + ".gz nor " + stem +
              " found: expected the Fashion-MNIST IDX files (Debian package dataset-fashion-mnist)");
}

class FashionMnist final : public Dataset {
 public:
  FashionMnist(IdxImages images, std::vector<uint8_t> labels, const FashionMnistOptions& options)
      : images_(std::move(images)), labels_(std::move(labels)), options_(options) {
    const PixelNormalization norm = normalization();
    for (int p = 0; p < 256; ++p)
      table_[static_cast<size_t>(p)] = (static_cast<float>(p) / 255.f - norm.mean[0]) / norm.std[0];
  }

  int64_t size() const override { return images_.count; }
  Shape sample_shape() const override { return {options_.image_size, options_.image_size, 1}; }
  int num_classes() const override { return kNumClasses; }
  std::string class_name(int c) const override {
    require(c >= 0 && c < kNumClasses, "fashion-mnist: class " + std::to_string(c) + ": expected 0..9");
    return kClassNames[static_cast<size_t>(c)];
  }
  int32_t label(int64_t i) const override { return labels_[static_cast<size_t>(i)]; }
  PixelNormalization normalization() const override { return fashion_mnist_normalization(); }

  void load(int64_t i, bool augment, Rng& rng, float* out) const override {
    const int64_t size = options_.image_size;
    const int64_t rows = images_.rows, cols = images_.cols;
    // Offsets of the image's top-left corner on the canvas; negative when the canvas is
    // smaller than the image, which then gets cropped.
    const int64_t range_y = size - rows, range_x = size - cols;
    int64_t oy = floor_half(range_y), ox = floor_half(range_x);
    bool flip = false;
    if (augment) {
      oy = draw_offset(range_y, rng);
      ox = draw_offset(range_x, rng);
      flip = options_.random_flip && rng.below(2) == 1;
    }
    const uint8_t* image = images_.pixels.data() + i * rows * cols;
    const float background = table_[0];
    for (int64_t y = 0; y < size; ++y) {
      const int64_t sy = y - oy;
      for (int64_t x = 0; x < size; ++x) {
        const int64_t sx = x - ox;
        float v = background;
        if (sy >= 0 && sy < rows && sx >= 0 && sx < cols) v = table_[image[sy * cols + (flip ? cols - 1 - sx : sx)]];
        out[y * size + x] = v;
      }
    }
  }

 private:
  static int64_t floor_half(int64_t v) { return v >= 0 ? v / 2 : -((-v + 1) / 2); }
  static int64_t draw_offset(int64_t range, Rng& rng) {
    const int64_t r = static_cast<int64_t>(rng.below(static_cast<uint64_t>(std::abs(range)) + 1));
    return range >= 0 ? r : -r;
  }

  IdxImages images_;
  std::vector<uint8_t> labels_;
  FashionMnistOptions options_;
  std::array<float, 256> table_{};
};

// Keeps the images and labels at `keep` (ascending), in that order. Compacts in place:
// keep[k] >= k, so every copy moves an image towards the front, over one already moved.
void select(IdxLabelledImages& set, const std::vector<int64_t>& keep) {
  const int64_t image_bytes = set.images.rows * set.images.cols;
  uint8_t* pixels = set.images.pixels.data();
  for (size_t k = 0; k < keep.size(); ++k) {
    const auto to = static_cast<int64_t>(k);
    if (keep[k] != to) std::copy_n(pixels + keep[k] * image_bytes, image_bytes, pixels + to * image_bytes);
    set.labels[k] = set.labels[static_cast<size_t>(keep[k])];
  }
  set.images.count = static_cast<int64_t>(keep.size());
  set.images.pixels.resize(keep.size() * static_cast<size_t>(image_bytes));
  set.images.pixels.shrink_to_fit();
  set.labels.resize(keep.size());
  set.labels.shrink_to_fit();
}

}  // namespace

std::unique_ptr<Dataset> open_fashion_mnist(const std::string& dir, Split split, const FashionMnistOptions& options) {
  require(options.image_size > 0,
          "fashion-mnist: image size " + std::to_string(options.image_size) + ": expected a positive size");
  require(file_exists(dir), dir + ": Fashion-MNIST directory not found (install the Debian package "
                                  "dataset-fashion-mnist or point to a directory with the IDX files)");
  const std::string prefix = split == Split::test ? "t10k" : "train";
  IdxLabelledImages set = read_idx_labelled_images(find_idx_file(dir, prefix + "-images-idx3-ubyte"),
                                                   find_idx_file(dir, prefix + "-labels-idx1-ubyte"), kNumClasses);
  if (split != Split::test) {
    const int64_t n = set.images.count;
    require(options.validation_size >= 0 && options.validation_size < n,
            dir + ": validation size " + std::to_string(options.validation_size) + ": expected 0 <= size < " +
                std::to_string(n) + " (the training images)");
    TrainValidationSplit parts = split_train_validation(n, options.validation_size, options.split_seed);
    const std::vector<int64_t>& keep = split == Split::validation ? parts.validation : parts.train;
    select(set, keep);
  }
  return std::make_unique<FashionMnist>(std::move(set.images), std::move(set.labels), options);
}

}  // namespace mpq
