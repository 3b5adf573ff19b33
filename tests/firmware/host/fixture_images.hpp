// Raw 8-bit images for the firmware model fixtures: real Fashion-MNIST images (28x28
// centered on the model's zero canvas, as `mpq run` and the evaluation transform place
// them) when the dataset is installed, else deterministic synthetic ones.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libmpq/data/pixel_normalization.hpp"
#include "libmpq/nn/model_spec.hpp"
#include "libmpq/tensor/tensor.hpp"

namespace mpq::firmware {

struct FixtureImages {
  int64_t count = 0;
  int64_t height = 0, width = 0, channels = 0;
  std::vector<uint8_t> pixels;  // count images, HWC, image-major
  std::vector<uint8_t> labels;  // the dataset's labels; empty for synthetic images
  std::string source;           // one line for the generated files and the firmware

  int64_t image_bytes() const { return height * width * channels; }
  const uint8_t* image(int64_t i) const { return pixels.data() + i * image_bytes(); }
};

// Images [first, first + count) of the Fashion-MNIST file set `set` ("t10k" or "train")
// in `dir`, read with libmpq/data's IDX reader, placed on spec's input canvas. When
// `dir` does not hold the files, `count` synthetic images from `seed` instead.
// Requires spec's input to be one channel at least 28x28.
FixtureImages load_fixture_images(const std::string& dir, const std::string& set, int64_t first, int64_t count,
                                  const ModelSpec& spec, uint64_t seed);

// The float network input of images [first, first + count): (p / 255 - mean) / std.
Tensor normalized_batch(const FixtureImages& images, int64_t first, int64_t count,
                        const PixelNormalization& normalization);

}  // namespace mpq::firmware
