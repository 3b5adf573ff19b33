#include "libmpq/nn/softmax_cross_entropy.hpp"

#include <cmath>

#include "libmpq/core/error.hpp"

namespace mpq {

LossResult softmax_cross_entropy(const Tensor& logits, const std::vector<int32_t>& labels, Tensor* grad_logits) {
  require(logits.rank() == 2 && logits.dim(0) > 0 && logits.dim(1) > 0,
          "softmax_cross_entropy: expected logits NxK with N, K > 0, got " + shape_to_string(logits.shape()));
  const int64_t N = logits.dim(0), K = logits.dim(1);
  require(static_cast<int64_t>(labels.size()) == N, "softmax_cross_entropy: " + std::to_string(labels.size()) +
                                                        " labels for logits " + shape_to_string(logits.shape()));
  // Check every label before writing anything, so a bad batch leaves grad_logits alone.
  for (int64_t i = 0; i < N; ++i) {
    const int32_t label = labels[static_cast<size_t>(i)];
    require(label >= 0 && label < K, "softmax_cross_entropy: label " + std::to_string(label) + " at index " +
                                         std::to_string(i) + " is out of range [0, " + std::to_string(K) + ")");
  }
  if (grad_logits) grad_logits->resize(logits.shape());

  LossResult result;
  double total = 0;
  const double inv_n = 1.0 / static_cast<double>(N);
  for (int64_t i = 0; i < N; ++i) {
    const float* z = logits.data() + i * K;
    const int32_t label = labels[static_cast<size_t>(i)];
    int64_t top = 0;  // first maximum, as argmax
    for (int64_t j = 1; j < K; ++j)
      if (z[j] > z[top]) top = j;
    const double max = z[top];
    double sum = 0;
    for (int64_t j = 0; j < K; ++j) sum += std::exp(static_cast<double>(z[j]) - max);
    const double log_sum = std::log(sum);
    total += log_sum - (static_cast<double>(z[label]) - max);
    if (top == label) ++result.correct;
    if (grad_logits) {
      float* g = grad_logits->data() + i * K;
      for (int64_t j = 0; j < K; ++j) {
        const double p = std::exp(static_cast<double>(z[j]) - max - log_sum);
        g[j] = static_cast<float>((p - (j == label ? 1.0 : 0.0)) * inv_n);
      }
    }
  }
  result.loss = total * inv_n;
  return result;
}

}  // namespace mpq
