#pragma once

#include "libmpq/quant/activation_quantizer.hpp"

namespace mpq {

// Rounds to another quantizer's grid: the output of global average pooling, which the
// integer runtime computes as the rounded mean of its input codes, on the input's grid.
// `source` must outlive this layer (both live in the same model).
class FollowQuantizer : public ActivationQuantizer {
 public:
  explicit FollowQuantizer(const ActivationQuantizer* source);

  std::string describe() const override { return "same grid as its input"; }
  void forward(const std::vector<const Tensor*>& inputs, Tensor& output, bool training) override;
  QuantGrid grid() const override { return source_->grid(); }

 protected:
  void set_from_observed(float, float) override {}

 private:
  const ActivationQuantizer* source_;
};

}  // namespace mpq
