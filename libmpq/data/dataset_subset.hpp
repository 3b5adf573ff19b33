#pragma once

#include <cstdint>
#include <vector>

#include "libmpq/data/dataset.hpp"

namespace mpq {

// A view of some samples of another dataset, e.g. the first N validation images for a
// search's quick evaluation. Sample k of the subset is sample indices[k] of the base,
// which must outlive the view. Throws Error when an index is out of range.
class DatasetSubset final : public Dataset {
 public:
  DatasetSubset(const Dataset& base, std::vector<int64_t> indices);

  int64_t size() const override { return static_cast<int64_t>(indices_.size()); }
  Shape sample_shape() const override { return base_.sample_shape(); }
  int num_classes() const override { return base_.num_classes(); }
  std::string class_name(int c) const override { return base_.class_name(c); }
  int32_t label(int64_t i) const override { return base_.label(indices_[static_cast<size_t>(i)]); }
  PixelNormalization normalization() const override { return base_.normalization(); }
  void load(int64_t i, bool augment, Rng& rng, float* out_hwc) const override {
    base_.load(indices_[static_cast<size_t>(i)], augment, rng, out_hwc);
  }

 private:
  const Dataset& base_;
  std::vector<int64_t> indices_;
};

// The first min(count, base.size()) samples of base.
DatasetSubset first_samples(const Dataset& base, int64_t count);

// min(count, base.size()) samples of base with as many of every class as it allows: the
// first count / classes of each class (one more for the first count % classes classes),
// topped up with the earliest samples left when a class has too few; in base order. A
// small validation subset of the first images alone can be several points off balance,
// which a score on it carries as a bias shared by every candidate.
DatasetSubset class_balanced_samples(const Dataset& base, int64_t count);

}  // namespace mpq
