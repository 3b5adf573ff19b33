// data: everything between files on disk and the float batches the trainer consumes.
// It reads MNIST-format IDX files (raw or gzip), ImageNet-style image folders (decoded
// lazily with stb_image) and NumPy arrays (.npy, .npz: float32 or uint8 samples), splits a training set into train / validation with a fixed
// seed, applies the evaluation transform or the random training augmentation, and
// prefetches batches on a background thread. Pixels stay uint8 until the last step, so
// what the float network trains on is exactly an 8-bit image, as on the device. Every
// random choice derives from (seed, epoch, sample index), so a run's batches are the same
// whatever the thread count or timing. Depends on core and tensor only.
#pragma once

#include <cstdint>
#include <string>

#include "libmpq/core/rng.hpp"
#include "libmpq/data/pixel_normalization.hpp"
#include "libmpq/tensor/tensor.hpp"

namespace mpq {

// A labelled set of images with a fixed transform. Implementations are immutable after
// construction, so every const member, load() included, may be called from many
// threads at once.
class Dataset {
 public:
  virtual ~Dataset() = default;

  virtual int64_t size() const = 0;
  // {H, W, C} of one sample after the transform.
  virtual Shape sample_shape() const = 0;
  virtual int num_classes() const = 0;
  // Human-readable name of class c in [0, num_classes()).
  virtual std::string class_name(int c) const = 0;
  // Requires 0 <= i < size(); ensures 0 <= label < num_classes().
  virtual int32_t label(int64_t i) const = 0;
  // How a raw 8-bit pixel became the float input; the exporter needs it to feed the
  // integer network raw pixels.
  virtual PixelNormalization normalization() const = 0;
  // Writes sample i, transformed and normalized, to out_hwc (shape_elements(sample_shape())
  // floats). With augment=false the output is the deterministic evaluation transform and
  // rng is not used; with augment=true the random choices are drawn from rng only.
  // Throws Error naming the file when the sample cannot be read.
  virtual void load(int64_t i, bool augment, Rng& rng, float* out_hwc) const = 0;

  int64_t sample_elements() const { return shape_elements(sample_shape()); }
};

}  // namespace mpq
