#pragma once

#include <cstdint>
#include <vector>

#include "libmpq/tensor/tensor.hpp"

namespace mpq {

struct LossResult {
  double loss = 0;      // mean over the batch
  int64_t correct = 0;  // top-1 hits in the batch
};

// Softmax cross-entropy of logits [N, K] against integer labels in [0, K). When
// grad_logits is non-null it is set to d(mean loss)/d(logits) = (softmax - onehot) / N.
// Numerically stable (max subtracted). Throws Error on a label out of range.
LossResult softmax_cross_entropy(const Tensor& logits, const std::vector<int32_t>& labels, Tensor* grad_logits);

}  // namespace mpq
