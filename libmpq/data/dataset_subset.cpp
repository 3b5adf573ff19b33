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

DatasetSubset class_balanced_samples(const Dataset& base, int64_t count) {
  const int64_t n = std::clamp<int64_t>(count, 0, base.size());
  const int64_t classes = std::max(1, base.num_classes());
  std::vector<int64_t> quota(static_cast<size_t>(classes), n / classes);
  for (int64_t c = 0; c < n % classes; ++c) ++quota[static_cast<size_t>(c)];
  std::vector<char> taken(static_cast<size_t>(base.size()), 0);
  int64_t chosen = 0;
  for (int64_t i = 0; i < base.size() && chosen < n; ++i) {
    int64_t& q = quota[static_cast<size_t>(base.label(i))];
    if (q > 0) {
      --q;
      taken[static_cast<size_t>(i)] = 1;
      ++chosen;
    }
  }
  for (int64_t i = 0; i < base.size() && chosen < n; ++i)
    if (!taken[static_cast<size_t>(i)]) {
      taken[static_cast<size_t>(i)] = 1;
      ++chosen;
    }
  std::vector<int64_t> indices;
  indices.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < base.size(); ++i)
    if (taken[static_cast<size_t>(i)]) indices.push_back(i);
  return DatasetSubset(base, std::move(indices));
}

}  // namespace mpq
