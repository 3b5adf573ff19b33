#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "libmpq/data/dataset.hpp"

namespace mpq {

enum class ImageAugmentation {
  // Random size x size crop of the image resized as for evaluation, then a random flip.
  random_crop,
  // Inception-style crop: a random box covering 8%..100% of the image area with aspect
  // ratio 3/4..4/3 (log-uniform), resized to size x size, then a random flip.
  random_resized_crop,
};

struct ImageFolderOptions {
  int64_t size = 224;    // output crop: size x size x 3
  int64_t resize = 0;    // shorter side before the crop; 0 = round(size * 256 / 224)
  ImageAugmentation augmentation = ImageAugmentation::random_crop;
  bool random_flip = true;
};

// An ImageNet-style folder: one subfolder per class (class index = position of the name
// in sorted order), holding .png / .jpg / .jpeg / .bmp files (extension
// case-insensitive; other files and hidden entries, whose names start with '.', are
// ignored). Images are decoded on load() as RGB.
// Evaluation: resize the shorter side to `resize` (bilinear, antialiased), center crop
// size x size, normalize with imagenet_normalization().
// Training: see ImageAugmentation. Random draws per sample, in order: random_crop:
// rng.below(h - size + 1) for the row, rng.below(w - size + 1) for the column;
// random_resized_crop: up to 10 tries of (area, log-ratio) uniforms then the box
// position, falling back to the evaluation crop; then rng.below(2) for the flip.
// Throws Error when the directory is missing, has no class folders, or a class folder
// holds no image (naming it); a corrupt image throws from load(), naming the file.
std::unique_ptr<Dataset> open_image_folder(const std::string& dir, const ImageFolderOptions& options = {});

}  // namespace mpq
