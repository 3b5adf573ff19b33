#pragma once

#include "libmpq/nn/model.hpp"

namespace mpq {

// Returns a copy of `model` in which every BatchNorm that directly follows a Conv2d (its
// only reader) is folded into that conv, using the running statistics:
//   w'[o] = w[o] * gamma[o] / sqrt(var[o] + eps),  b'[o] = beta[o] + (b[o] - mean[o]) * gamma[o] / sqrt(var[o] + eps).
// The BN nodes disappear; every other node keeps its name and parameters, and the convs
// gain a bias. In evaluation mode the result computes what the original computes (up
// to float rounding). Quantization-aware fine-tuning and export start from this model.
Model fold_batch_norm(Model& model);

}  // namespace mpq
