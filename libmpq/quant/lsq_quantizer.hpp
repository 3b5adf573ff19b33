#pragma once

#include "libmpq/quant/activation_quantizer.hpp"

namespace mpq {

// LSQ (Esser et al. 2020, "Learned Step Size Quantization") for activations, with the
// LSQ+ offset (Bhalgat et al. 2020) for tensors that can be negative. Codes 0 .. Qp =
// 2^bits - 1 stand for (q - z) * s: a learnable step s and, with an offset, a learnable
// lower end beta of the grid (without one, beta = 0: the quantizer replaces a ReLU, as
// PACT does). For the integer runtime the zero point must be an integer code, so the
// forward uses z = clamp(round(-beta / s), 0, Qp), i.e. beta snapped to -z * s; real 0
// stays an exact code (convolution padding).
// Gradients, with v = (x - beta) / s and the rounding passed straight through:
//   dy/dx    = 1 for 0 <= v <= Qp, else 0
//   dy/ds    = round(v) - v inside, 0 below, Qp above        (times g)
//   dy/dbeta = 0 inside, 1 below and above                   (times g)
// g = 1 / sqrt(N * Qp), N the elements per sample: the paper's scaling, which keeps the
// step's update in proportion to the weights' updates.
class LsqQuantizer : public ActivationQuantizer {
 public:
  // cap: the float function's ceiling during calibration (6 for ReLU6); the grid itself
  // is not capped.
  LsqQuantizer(int bits, bool with_offset, float cap);

  std::string describe() const override;
  void forward(const std::vector<const Tensor*>& inputs, Tensor& output, bool training) override;
  void backward(const std::vector<const Tensor*>& inputs, const Tensor& output, const Tensor& grad_output,
                const std::vector<Tensor*>& grad_inputs) override;
  std::vector<Parameter*> parameters() override;
  QuantGrid grid() const override;
  bool with_offset() const { return with_offset_; }
  // The step, limited below so that x / s stays finite.
  float step_size() const;

  Parameter step;    // [1], no weight decay
  Parameter offset;  // [1] beta, no weight decay; unused without an offset

 protected:
  void set_from_observed(float lo, float hi) override;

 private:
  bool with_offset_;
  float cap_;
};

// The gradient scale of LSQ for a step shared by `count` values quantized to at most
// `code_max` (Qp): 1 / sqrt(count * code_max).
float lsq_gradient_scale(int64_t count, int32_t code_max);

}  // namespace mpq
