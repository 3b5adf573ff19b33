#include "libmpq/rl/sigmoid.hpp"

#include <cmath>

#include "libmpq/core/error.hpp"

namespace mpq {

void sigmoid_forward(const Tensor& x, Tensor& y) {
  y.resize(x.shape());
  for (int64_t i = 0; i < x.size(); ++i) {
    // Both branches take exp of a non-positive number, so neither overflows.
    const float v = x[i];
    if (v >= 0.f) {
      y[i] = 1.f / (1.f + std::exp(-v));
    } else {
      const float e = std::exp(v);
      y[i] = e / (1.f + e);
    }
  }
}

void sigmoid_backward(const Tensor& y, const Tensor& grad_y, Tensor& grad_x) {
  require(grad_y.shape() == y.shape(), "sigmoid: gradient " + shape_to_string(grad_y.shape()) +
                                           " does not match output " + shape_to_string(y.shape()));
  grad_x.resize(y.shape());
  for (int64_t i = 0; i < y.size(); ++i) grad_x[i] = grad_y[i] * y[i] * (1.f - y[i]);
}

}  // namespace mpq
