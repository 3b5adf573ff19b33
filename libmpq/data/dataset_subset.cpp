#include "libmpq/data/dataset_subset.hpp"

#include <algorithm>
#include <numeric>
#include <string>

#include "libmpq/core/error.hpp"

namespace mpq {

DatasetSubset::DatasetSubset(const Dataset& base, std::vector<int64_t> indices)
    : base_(base), indices_(std::move(indices)) {
  for (int64_t i : indices_)
    require(i >= 0 && i < base_.size(), "dataset subset: index " + std::to_string(i) + ": expected 0 <= index < " +
                                            std::to_string(base_.size()));
}

DatasetSubset first_samples(const Dataset& base, int64_t count) {
  std::vector<int64_t> indices(static_cast<size_t>(std::clamp<int64_t>(count, 0, base.size())));
  std::iota(indices.begin(), indices.end(), int64_t{0});
  return DatasetSubset(base, std::move(indices));
}

}  // namespace mpq
