#pragma once

#include "libmpq/nn/layer.hpp"

namespace mpq {

// Mean over height and width: [N, H, W, C] -> [N, C].
class GlobalAvgPool : public Layer {
 public:
  LayerKind kind() const override { return LayerKind::GlobalAvgPool; }
  std::string describe() const override { return "mean over HxW"; }
  Shape output_shape(const std::vector<Shape>& inputs) const override;
  void forward(const std::vector<const Tensor*>& inputs, Tensor& output, bool training) override;
  void backward(const std::vector<const Tensor*>& inputs, const Tensor& output, const Tensor& grad_output,
                const std::vector<Tensor*>& grad_inputs) override;
};

}  // namespace mpq
