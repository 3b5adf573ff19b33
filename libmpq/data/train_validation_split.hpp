#pragma once

#include <cstdint>
#include <vector>

namespace mpq {

struct TrainValidationSplit {
  std::vector<int64_t> train;       // ascending
  std::vector<int64_t> validation;  // ascending
};

// Splits the indices [0, count) by a permutation seeded with `seed` (Fisher-Yates over
// mpq::Rng): the first validation_size entries of the permutation are the validation
// set. The two sets are disjoint and together cover [0, count); the same (count,
// validation_size, seed) always gives the same split. Requires 0 <= validation_size <=
// count.
TrainValidationSplit split_train_validation(int64_t count, int64_t validation_size, uint64_t seed);

}  // namespace mpq
