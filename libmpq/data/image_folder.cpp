#include "libmpq/data/image_folder.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <vector>

#include "libmpq/core/error.hpp"
#include "libmpq/data/decode_image.hpp"
#include "libmpq/data/image_transform.hpp"

namespace mpq {

namespace fs = std::filesystem;

namespace {

bool has_image_extension(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp";
}

std::vector<fs::path> sorted_entries(const fs::path& dir, bool want_directories) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    // Hidden entries are tool debris (.git, macOS "._x.jpg" resource forks), not data.
    if (it->path().filename().string().front() == '.') continue;
    std::error_code type_ec;
    const bool is_dir = it->is_directory(type_ec);
    if (want_directories ? is_dir : (!is_dir && has_image_extension(it->path()))) out.push_back(it->path());
  }
  if (ec) throw Error(dir.string() + ": cannot list directory (" + ec.message() + ")");
  std::sort(out.begin(), out.end());
  return out;
}

class ImageFolder final : public Dataset {
 public:
  ImageFolder(const std::string& dir, const ImageFolderOptions& options) : options_(options) {
    require(options.size > 0, dir + ": image size " + std::to_string(options.size) + ": expected a positive size");
    if (options_.resize == 0) options_.resize = std::llround(static_cast<double>(options.size) * 256.0 / 224.0);
    require(options_.resize >= options.size, dir + ": resize " + std::to_string(options_.resize) +
                                                 ": expected at least the crop size " + std::to_string(options.size));
    std::error_code ec;
    require(fs::is_directory(dir, ec),
            dir + ": image folder not found: expected a directory with one subfolder per class");
    for (const fs::path& class_dir : sorted_entries(dir, true)) {
      const std::vector<fs::path> files = sorted_entries(class_dir, false);
      require(!files.empty(),
              class_dir.string() + ": class folder holds no image: expected .png, .jpg, .jpeg or .bmp files");
      const auto label = static_cast<int32_t>(class_names_.size());
      class_names_.push_back(class_dir.filename().string());
      for (const fs::path& f : files) {
        files_.push_back(f.string());
        labels_.push_back(label);
      }
    }
    require(!class_names_.empty(), dir + ": no class folders: expected one subfolder per class");
  }

  int64_t size() const override { return static_cast<int64_t>(files_.size()); }
  Shape sample_shape() const override { return {options_.size, options_.size, 3}; }
  int num_classes() const override { return static_cast<int>(class_names_.size()); }
  std::string class_name(int c) const override {
    require(c >= 0 && c < num_classes(), "image folder: class " + std::to_string(c) + ": expected 0.." +
                                             std::to_string(num_classes() - 1));
    return class_names_[static_cast<size_t>(c)];
  }
  int32_t label(int64_t i) const override { return labels_[static_cast<size_t>(i)]; }
  PixelNormalization normalization() const override { return imagenet_normalization(); }

  void load(int64_t i, bool augment, Rng& rng, float* out) const override {
    const ImageU8 image = decode_image_file(files_[static_cast<size_t>(i)], 3);
    const int64_t size = options_.size;
    ImageU8 sample;
    if (!augment) {
      sample = center_crop(resize_shorter_side(image, options_.resize), size, size);
    } else {
      if (options_.augmentation == ImageAugmentation::random_crop) {
        const ImageU8 resized = resize_shorter_side(image, options_.resize);
        const auto top = static_cast<int64_t>(rng.below(static_cast<uint64_t>(resized.height - size + 1)));
        const auto left = static_cast<int64_t>(rng.below(static_cast<uint64_t>(resized.width - size + 1)));
        sample = crop(resized, top, left, size, size);
      } else {
        sample = random_resized_crop(image, rng);
      }
      if (options_.random_flip && rng.below(2) == 1) flip_horizontal(sample);
    }
    normalize_image(sample, imagenet_normalization(), out);
  }

 private:
  ImageU8 random_resized_crop(const ImageU8& image, Rng& rng) const {
    const double area = static_cast<double>(image.height * image.width);
    const double log_lo = std::log(3.0 / 4.0), log_hi = std::log(4.0 / 3.0);
    for (int attempt = 0; attempt < 10; ++attempt) {
      const double target = area * (0.08 + 0.92 * rng.uniform());
      const double ratio = std::exp(log_lo + (log_hi - log_lo) * rng.uniform());
      const int64_t w = std::llround(std::sqrt(target * ratio));
      const int64_t h = std::llround(std::sqrt(target / ratio));
      if (w < 1 || h < 1 || w > image.width || h > image.height) continue;
      const auto top = static_cast<int64_t>(rng.below(static_cast<uint64_t>(image.height - h + 1)));
      const auto left = static_cast<int64_t>(rng.below(static_cast<uint64_t>(image.width - w + 1)));
      return resize_bilinear(crop(image, top, left, h, w), options_.size, options_.size);
    }
    // Extreme aspect ratios: the centered square of the whole image.
    const int64_t side = std::min(image.height, image.width);
    return resize_bilinear(center_crop(image, side, side), options_.size, options_.size);
  }

  ImageFolderOptions options_;
  std::vector<std::string> class_names_;
  std::vector<std::string> files_;
  std::vector<int32_t> labels_;
};

}  // namespace

std::unique_ptr<Dataset> open_image_folder(const std::string& dir, const ImageFolderOptions& options) {
  return std::make_unique<ImageFolder>(dir, options);
}

}  // namespace mpq
