#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "libmpq/data/dataset.hpp"
#include "libmpq/data/split.hpp"

namespace mpq {

// Where Debian's dataset-fashion-mnist package installs the four IDX files.
constexpr const char* kDefaultFashionMnistDir = "/usr/share/datasets/fashion-mnist";

struct FashionMnistOptions {
  // Images of the 60000-image training file held out as the validation split.
  int64_t validation_size = 5000;
  // Seed of the permutation that picks them. A seed always gives the same split, on
  // every platform (mpq::Rng is specified bit for bit).
  uint64_t split_seed = 42;
  // Output is image_size x image_size x 1: the 28x28 image on a zero canvas.
  int64_t image_size = 32;
  // Training augmentation: random placement on the canvas (offsets 0..image_size-28 in
  // each axis) and, when this is set, a random horizontal flip.
  bool random_flip = true;
};

// Fashion-MNIST from `dir`, which holds train-images-idx3-ubyte[.gz],
// train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz].
// train / validation: the training file split by split_train_validation(count,
// validation_size, split_seed); the two are disjoint, cover the file, and keep the
// file's order. test: the t10k files.
// Evaluation places the image centered (offset (image_size-28)/2, rounded down); pixels
// are normalized with fashion_mnist_normalization(), the canvas being raw 0.
// Random draws per augmented sample, in order: rng.below(range+1) for the row offset,
// the same for the column offset, then rng.below(2) for the flip when random_flip.
// Images stay in memory as uint8. Throws Error naming the directory or file.
std::unique_ptr<Dataset> open_fashion_mnist(const std::string& dir = kDefaultFashionMnistDir,
                                            Split split = Split::train, const FashionMnistOptions& options = {});

}  // namespace mpq
