#pragma once

#include "libmpq/tensor/tensor.hpp"

namespace mpq {

// Knowledge distillation (Hinton et al. 2015) from a teacher's logits: the training loss
// becomes (1 - weight) * CE(student, labels) + weight * T^2 * KL(p_t || p_s), with p =
// softmax(logits / T). `grad` holds d(mean CE)/d(student logits) on entry (what
// softmax_cross_entropy wrote) and the mixed loss's gradient on return:
//   (1 - weight) * grad + weight * T * (p_s - p_t) / N.
// Returns the batch's mean KL term T^2 * KL (for reporting). Logits are [N, K].
double mix_distillation_gradient(const Tensor& student, const Tensor& teacher, float weight, float temperature,
                                 Tensor& grad);

}  // namespace mpq
