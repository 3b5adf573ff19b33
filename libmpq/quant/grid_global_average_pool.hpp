#pragma once

#include "libmpq/nn/global_avg_pool.hpp"
#include "libmpq/quant/activation_quantizer.hpp"

namespace mpq {

// The fake-quant model's global average pooling (an avgpool op): the sum of its input's
// codes times the integer kernel's multiplier for 1 / (h w) (quantize_multiplier), rounded
// once with ties toward +infinity as kernels/requantize.hpp does, onto the input's own
// grid. A float mean rounded half to even lands on the other side of a tie from the
// kernel (a 2x2 mean is a tie in a quarter of the cases), and then the fake-quant and
// integer logits differ. While its input's quantizer observes (calibration), it is the
// float mean. The gradient is the float mean's (straight-through rounding). `source` (its
// input's quantizer) must outlive this layer.
class GridGlobalAveragePool : public Layer {
 public:
  explicit GridGlobalAveragePool(const ActivationQuantizer* source) : source_(source) {}

  LayerKind kind() const override { return LayerKind::GlobalAvgPool; }
  std::string describe() const override { return "mean over HxW on its input's grid"; }
  Shape output_shape(const std::vector<Shape>& inputs) const override { return pool_.output_shape(inputs); }
  void forward(const std::vector<const Tensor*>& inputs, Tensor& output, bool training) override;
  void backward(const std::vector<const Tensor*>& inputs, const Tensor& output, const Tensor& grad_output,
                const std::vector<Tensor*>& grad_inputs) override {
    pool_.backward(inputs, output, grad_output, grad_inputs);
  }

 private:
  GlobalAvgPool pool_;
  const ActivationQuantizer* source_;
};

}  // namespace mpq
