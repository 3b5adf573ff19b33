#pragma once

#include "libmpq/nn/layer.hpp"

namespace mpq {

// Fully connected layer: [N, in] -> [N, out], weight [out, in] (PyTorch's layout), bias [out].
class Linear : public Layer {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true);

  LayerKind kind() const override { return LayerKind::Linear; }
  std::string describe() const override;
  Shape output_shape(const std::vector<Shape>& inputs) const override;
  void forward(const std::vector<const Tensor*>& inputs, Tensor& output, bool training) override;
  void backward(const std::vector<const Tensor*>& inputs, const Tensor& output, const Tensor& grad_output,
                const std::vector<Tensor*>& grad_inputs) override;
  std::vector<Parameter*> parameters() override;
  int64_t macs(const std::vector<Shape>& inputs) const override;
  // Normal(0, 0.01) weights, zero bias (torchvision's MobileNet classifier init).
  void reset_parameters(Rng& rng) override;

  int64_t in_features() const { return in_; }
  int64_t out_features() const { return out_; }
  bool has_bias() const { return has_bias_; }

  Parameter weight;  // [out, in]
  Parameter bias;    // [out]; empty when constructed without bias

 private:
  int64_t in_, out_;
  bool has_bias_;
  std::vector<float> partials_;  // per-chunk weight and bias gradient sums, added in chunk order
};

}  // namespace mpq
