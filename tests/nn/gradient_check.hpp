// Shared test helper: checks any Layer's backward against central finite differences.
#pragma once

#include <string>
#include <vector>

#include "libmpq/core/rng.hpp"
#include "libmpq/nn/layer.hpp"

namespace mpq::test {

struct GradientError {
  double worst = 0;        // largest |analytic - numeric| / max(1, |numeric|)  (absolute for small values)
  std::string where;       // "input 0 [17]" or "param weight [3]"
};

// Loss L = sum(output * R) with a fixed random R. Compares dL/d(input) from backward()
// with (L(x + h) - L(x - h)) / 2h for every element of every input and every parameter
// (or `max_probes` evenly spaced elements of big tensors). `training` is passed to
// forward. Inputs must keep away from kinks (ReLU at 0, ties in max pooling).
GradientError check_gradients(Layer& layer, std::vector<Tensor> inputs, bool training, uint64_t seed = 1,
                              double h = 1e-2, int max_probes = 400);

// Tensor of `shape` with N(0, 1) * scale entries.
Tensor random_tensor(const Shape& shape, Rng& rng, float scale = 1.f);

}  // namespace mpq::test
