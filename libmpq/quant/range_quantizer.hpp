#pragma once

#include "libmpq/quant/activation_quantizer.hpp"

namespace mpq {

// Asymmetric quantizer for tensors that can be negative (the network input, residual
// sums, projection outputs, logits): the grid spans a tracked range [lo, hi] that always
// contains 0 (so that real zero, e.g. convolution padding, is an exact code), with a
// zero point. In training the range follows the batches' min/max by an exponential
// moving average (`momentum`); a frozen quantizer (the network input) never moves.
class RangeQuantizer : public ActivationQuantizer {
 public:
  RangeQuantizer(int bits, float lo, float hi, bool frozen = false, float momentum = 0.01f);

  std::string describe() const override;
  void forward(const std::vector<const Tensor*>& inputs, Tensor& output, bool training) override;
  std::vector<std::pair<std::string, Tensor*>> buffers() override { return {{"range", &range_}}; }
  QuantGrid grid() const override;
  void set_range(float lo, float hi);

 protected:
  void set_from_observed(float lo, float hi) override;

 private:
  Tensor range_;  // [lo, hi]
  bool frozen_;
  float momentum_;
};

// The grid of `bits` codes over [lo, hi] (lo <= 0 <= hi), zero point rounded so that
// 0.0 is exact.
QuantGrid asymmetric_grid(int bits, float lo, float hi);

}  // namespace mpq
