#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "libmpq/data/dataset.hpp"
#include "libmpq/data/split.hpp"

namespace mpq {

// Whether a --data value names NumPy arrays ("x.npy,y.npy", "x.npy,y.npy,xt.npy,yt.npy"
// or "d.npz") rather than a folder.
bool is_numpy_data(const std::string& spec);

struct NumpyDataOptions {
  // The model's input (x must be N x channels x height x width) and class count (labels
  // in [0, classes)).
  int64_t channels = 1, height = 32, width = 32;
  int classes = 10;
  // Samples of x held out for validation (and, without test arrays, as many again for
  // test), picked by split_seed as for the IDX and image-folder data sets.
  int64_t validation_size = 5000;
  uint64_t split_seed = 42;
};

// A labelled data set from NumPy arrays: `spec` is "x.npy,y.npy[,x_test.npy,y_test.npy]"
// or an .npz holding x and y (and optionally x_test and y_test). x is N x C x H x W
// (PyTorch's layout) float32 or uint8, y is N integer labels (int64, int32 or uint8).
// Splits: split_train_validation(N, held, split_seed) of x's rows gives train and the
// held-out rows; with test arrays held = validation_size, all of them validation, and
// test is x_test; without, held = 2 validation_size and split_train_validation(held,
// validation_size, split_seed) of the held-out rows gives validation and test.
// Values: uint8 samples are raw 8-bit inputs p, the network sees p / 255 (normalization
// mean 0, std 1: torchvision's ToTensor); float32 samples are the network's input as they
// are, and normalization() maps 0..255 linearly onto each channel's [min, max] over x
// (the training array, whatever the split), which is the range the integer model's
// 8-bit input covers. No augmentation: `augment` is ignored.
// Throws Error naming the file for a missing array, a shape other than N x C x H x W
// matching the model, another dtype, labels outside [0, classes), counts of x and y
// that differ, non-finite floats, or a validation size that leaves no training sample.
std::unique_ptr<Dataset> open_numpy_dataset(const std::string& spec, Split split, const NumpyDataOptions& options);

}  // namespace mpq
