#include "libmpq/data/train_validation_split.hpp"

#include <algorithm>
#include <numeric>
#include <string>

#include "libmpq/core/error.hpp"
#include "libmpq/core/rng.hpp"

namespace mpq {

TrainValidationSplit split_train_validation(int64_t count, int64_t validation_size, uint64_t seed) {
  require(count >= 0 && validation_size >= 0 && validation_size <= count,
          "validation size " + std::to_string(validation_size) + ": expected 0 <= size <= " + std::to_string(count));
  std::vector<int64_t> order(static_cast<size_t>(count));
  std::iota(order.begin(), order.end(), int64_t{0});
  Rng rng(seed);
  for (int64_t i = count - 1; i > 0; --i)
    std::swap(order[static_cast<size_t>(i)], order[rng.below(static_cast<uint64_t>(i) + 1)]);
  TrainValidationSplit split;
  split.validation.assign(order.begin(), order.begin() + validation_size);
  split.train.assign(order.begin() + validation_size, order.end());
  std::sort(split.validation.begin(), split.validation.end());
  std::sort(split.train.begin(), split.train.end());
  return split;
}

}  // namespace mpq
