#pragma once

#include "libmpq/nn/layer.hpp"

namespace mpq {

// Element-wise sum of two tensors of the same shape (residual connections).
class Add : public Layer {
 public:
  LayerKind kind() const override { return LayerKind::Add; }
  std::string describe() const override { return "a + b"; }
  Shape output_shape(const std::vector<Shape>& inputs) const override;
  void forward(const std::vector<const Tensor*>& inputs, Tensor& output, bool training) override;
  void backward(const std::vector<const Tensor*>& inputs, const Tensor& output, const Tensor& grad_output,
                const std::vector<Tensor*>& grad_inputs) override;
};

}  // namespace mpq
