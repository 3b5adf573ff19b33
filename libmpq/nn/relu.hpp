#pragma once

#include <limits>

#include "libmpq/nn/layer.hpp"

namespace mpq {

// y = min(max(x, 0), cap). cap = +inf is ReLU, cap = 6 is ReLU6. The gradient passes
// where 0 < x < cap (zero at the kinks, as PyTorch).
class ReLU : public Layer {
 public:
  explicit ReLU(float cap = std::numeric_limits<float>::infinity());

  LayerKind kind() const override { return LayerKind::ReLU; }
  std::string describe() const override;
  Shape output_shape(const std::vector<Shape>& inputs) const override;
  void forward(const std::vector<const Tensor*>& inputs, Tensor& output, bool training) override;
  void backward(const std::vector<const Tensor*>& inputs, const Tensor& output, const Tensor& grad_output,
                const std::vector<Tensor*>& grad_inputs) override;

  float cap() const { return cap_; }

 private:
  float cap_;
};

}  // namespace mpq
