#pragma once

#include "libmpq/tensor/tensor.hpp"

namespace mpq {

// y = 1 / (1 + exp(-x)), element-wise; the actor's output squashing into (0, 1). Plain
// functions rather than a Layer: nn's LayerKind table is for model graphs, and the MLPs
// of rl/ are not graphs.
void sigmoid_forward(const Tensor& x, Tensor& y);

// grad_x = grad_y * y * (1 - y), from the forward OUTPUT y; grad_x is resized and
// overwritten (it may alias grad_y).
void sigmoid_backward(const Tensor& y, const Tensor& grad_y, Tensor& grad_x);

}  // namespace mpq
