// Shared test helper: an in-memory, learnable, labelled image set (see tiny_model.hpp).
#pragma once

#include "libmpq/data/dataset.hpp"
#include "nn/tiny_model.hpp"

namespace mpq::test {

// n images of size x size x 1; class k lights up column band k.
class SyntheticData final : public Dataset {
 public:
  SyntheticData(int64_t n, uint64_t seed, int64_t size = 8, int64_t classes = 3) : size_(size), classes_(classes) {
    Rng rng(seed);
    synthetic_batch(rng, n, size, classes, images_, labels_);
  }
  int64_t size() const override { return static_cast<int64_t>(labels_.size()); }
  Shape sample_shape() const override { return {size_, size_, 1}; }
  int num_classes() const override { return static_cast<int>(classes_); }
  std::string class_name(int c) const override { return std::to_string(c); }
  int32_t label(int64_t i) const override { return labels_[static_cast<size_t>(i)]; }
  PixelNormalization normalization() const override { return {{0.5f}, {0.5f}}; }
  void load(int64_t i, bool augment, Rng& rng, float* out) const override {
    const float shift = augment ? 0.1f * rng.normal() : 0.f;
    const int64_t n = size_ * size_;
    for (int64_t k = 0; k < n; ++k) out[k] = images_[i * n + k] + shift;
  }

 private:
  int64_t size_, classes_;
  Tensor images_;
  std::vector<int32_t> labels_;
};

}  // namespace mpq::test
