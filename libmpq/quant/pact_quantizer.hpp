#pragma once

#include <limits>

#include "libmpq/quant/activation_quantizer.hpp"

namespace mpq {

// PACT (Choi et al. 2018): replaces a ReLU / ReLU6 by y = clamp(x, 0, alpha) on a grid of
// 2^bits - 1 steps over [0, alpha], zero point 0, with a learnable clip alpha (capped at
// `cap`, 6 for ReLU6). Gradients: dy/dx = 1 inside (0, alpha) (straight-through), else 0;
// dy/dalpha = 1 where x >= alpha and round(x / s) / (2^bits - 1) inside (the exact
// derivative of the piecewise-constant forward away from its jumps; s = alpha / (2^bits - 1)).
class PactQuantizer : public ActivationQuantizer {
 public:
  PactQuantizer(int bits, float alpha, float cap = std::numeric_limits<float>::infinity());

  std::string describe() const override;
  void forward(const std::vector<const Tensor*>& inputs, Tensor& output, bool training) override;
  void backward(const std::vector<const Tensor*>& inputs, const Tensor& output, const Tensor& grad_output,
                const std::vector<Tensor*>& grad_inputs) override;
  std::vector<Parameter*> parameters() override { return {&alpha}; }
  QuantGrid grid() const override;
  float clip() const;  // alpha limited to [1e-3, cap]
  float cap() const { return cap_; }

  Parameter alpha;  // [1], no weight decay

 protected:
  void set_from_observed(float lo, float hi) override;

 private:
  float cap_;
};

}  // namespace mpq
