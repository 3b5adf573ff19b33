#include "libmpq/quant/follow_quantizer.hpp"

namespace mpq {

FollowQuantizer::FollowQuantizer(const ActivationQuantizer* source)
    : ActivationQuantizer(source->bits()), source_(source) {}

void FollowQuantizer::forward(const std::vector<const Tensor*>& inputs, Tensor& output, bool) {
  if (observing_ || source_->observing()) {
    output = *inputs[0];
    mask_.assign(static_cast<size_t>(output.size()), 1);
    return;
  }
  fake_quantize(*inputs[0], output);
}

void FollowQuantizer::backward(const std::vector<const Tensor*>& inputs, const Tensor&, const Tensor& grad_output,
                               const std::vector<Tensor*>& grad_inputs) {
  if (grad_inputs.empty() || !grad_inputs[0]) return;
  Tensor& g = *grad_inputs[0];
  g.resize(inputs[0]->shape());
  for (int64_t i = 0; i < g.size(); ++i) g[i] = mask_[static_cast<size_t>(i)] ? grad_output[i] : 0.f;
}

}  // namespace mpq
