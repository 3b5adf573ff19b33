#include "libmpq/nn/builder_blocks.hpp"

#include <memory>

#include "libmpq/nn/batch_norm.hpp"
#include "libmpq/nn/conv2d.hpp"
#include "libmpq/nn/relu.hpp"

namespace mpq {

int add_conv_bn_act(Model& model, int input, const ConvBnNames& names, int64_t in_ch, int64_t out_ch,
                    int64_t kernel, int64_t stride, int64_t groups, Activation act, float bn_momentum) {
  int i = model.add(names.conv, std::make_unique<Conv2d>(in_ch, out_ch, kernel, stride, kernel / 2, groups, false),
                    {input});
  i = model.add(names.bn, std::make_unique<BatchNorm>(out_ch, bn_momentum), {i});
  if (act == Activation::ReLU) i = model.add(names.act, std::make_unique<ReLU>(), {i});
  if (act == Activation::ReLU6) i = model.add(names.act, std::make_unique<ReLU>(6.f), {i});
  return i;
}

int64_t round_channels(double v, int64_t divisor) {
  int64_t r = static_cast<int64_t>(v + divisor / 2.0) / divisor * divisor;
  if (r < divisor) r = divisor;
  if (r < 0.9 * v) r += divisor;
  return r;
}

}  // namespace mpq
