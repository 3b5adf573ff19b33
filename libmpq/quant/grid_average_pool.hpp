#pragma once

#include "libmpq/nn/pool2d.hpp"
#include "libmpq/quant/activation_quantizer.hpp"

namespace mpq {

// The fake-quant model's average pooling (an avgpool2d op): the mean of its input's codes
// rounded onto the input's own grid exactly as the integer kernel rounds it
// (kernels/average_pool.hpp: ties toward +infinity), from integer sums, so that the
// fake-quant and integer outputs agree code for code (a float mean can land a rounding
// error on either side of a tie). While its input's quantizer observes (calibration), it
// is the float pool. The gradient is the float average pool's (straight-through rounding).
// `source` (its input's quantizer) must outlive this layer.
class GridAveragePool : public Layer {
 public:
  GridAveragePool(const Window2d& window, bool count_include_pad, const ActivationQuantizer* source);

  LayerKind kind() const override { return LayerKind::AvgPool; }
  std::string describe() const override { return pool_.describe() + " on its input's grid"; }
  Shape output_shape(const std::vector<Shape>& inputs) const override { return pool_.output_shape(inputs); }
  void forward(const std::vector<const Tensor*>& inputs, Tensor& output, bool training) override;
  void backward(const std::vector<const Tensor*>& inputs, const Tensor& output, const Tensor& grad_output,
                const std::vector<Tensor*>& grad_inputs) override {
    pool_.backward(inputs, output, grad_output, grad_inputs);
  }

 private:
  Pool2d pool_;
  const ActivationQuantizer* source_;
};

}  // namespace mpq
