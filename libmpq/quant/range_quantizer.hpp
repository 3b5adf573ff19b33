#pragma once

#include "libmpq/quant/activation_quantizer.hpp"

namespace mpq {

// Asymmetric quantizer for tensors that can be negative (the network input, residual
// sums, projection outputs, logits): the grid spans a tracked range [lo, hi] that always
// contains 0 (so that real zero, e.g. convolution padding, is an exact code), with a
// zero point. In training the range follows the batches' min/max by an exponential
// moving average (`momentum`); a frozen quantizer (the network input) never moves. A
// batch trained in shards (train/sharded_step) moves it once, by the whole batch's min/max;
// each shard's pass quantizes with the range its own min/max moved.
class RangeQuantizer : public ActivationQuantizer {
 public:
  RangeQuantizer(int bits, float lo, float hi, bool frozen = false, float momentum = 0.01f);

  std::string describe() const override;
  void forward(const std::vector<const Tensor*>& inputs, Tensor& output, bool training) override;
  std::vector<std::pair<std::string, Tensor*>> buffers() override { return {{"range", &range_}}; }
  // {min(batch min, 0), max(batch max, 0)} of the last training forward that moved the range.
  std::vector<double> batch_statistics() const override;
  // One EMA step towards the shards' union: the least minimum and the largest maximum.
  void update_running_state(const std::vector<const double*>& shards) override;
  QuantGrid grid() const override;
  void set_range(float lo, float hi);

 protected:
  void set_from_observed(float lo, float hi) override;

 private:
  Tensor range_;  // [lo, hi]
  bool frozen_;
  float momentum_;
  bool moved_ = false;  // whether the last forward was a training one that moved the range
  float batch_lo_ = 0.f, batch_hi_ = 0.f;
  void move_towards(float lo, float hi);
};

// The grid of `bits` codes over [lo, hi] (lo <= 0 <= hi), zero point rounded so that
// 0.0 is exact.
QuantGrid asymmetric_grid(int bits, float lo, float hi);

}  // namespace mpq
