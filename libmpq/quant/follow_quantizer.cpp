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

}  // namespace mpq
