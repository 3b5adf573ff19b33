// MobileNetV1 (Howard et al. 2017, Table 1): a 3x3 stride-2 stem and 13 depthwise-
// separable blocks, global average pooling, one linear classifier. BN after every conv,
// ReLU6 as in the reference TensorFlow implementation. Channels scale by the width
// multiplier as max(8, floor(c * width)) (TF-slim's rule).
#include <memory>

#include "libmpq/nn/builder_blocks.hpp"
#include "libmpq/nn/global_avg_pool.hpp"
#include "libmpq/nn/linear.hpp"
#include "libmpq/nn/model_builders.hpp"

namespace mpq {

Model build_mobilenet_v1(const ModelSpec& spec) {
  auto ch = [&](int64_t c) { return std::max<int64_t>(8, static_cast<int64_t>(c * spec.width)); };
  struct Block {
    int64_t out, stride;
  };
  const Block blocks[] = {{64, 1},  {128, 2}, {128, 1}, {256, 2}, {256, 1}, {512, 2}, {512, 1},
                          {512, 1}, {512, 1}, {512, 1}, {512, 1}, {1024, 2}, {1024, 1}};
  Model m(spec);
  int64_t c = ch(32);
  int x = add_conv_bn_act(m, Model::kInput, {"features.0.0", "features.0.1", "features.0.2"}, spec.in_channels, c, 3,
                          spec.small_input ? 1 : 2, 1, Activation::ReLU6);
  int index = 1;
  for (const Block& b : blocks) {
    const std::string p = "features." + std::to_string(index++) + ".";
    x = add_conv_bn_act(m, x, {p + "0", p + "1", p + "2"}, c, c, 3, b.stride, c, Activation::ReLU6);
    x = add_conv_bn_act(m, x, {p + "3", p + "4", p + "5"}, c, ch(b.out), 1, 1, 1, Activation::ReLU6);
    c = ch(b.out);
  }
  x = m.add("pool", std::make_unique<GlobalAvgPool>(), {x});
  m.add("classifier", std::make_unique<Linear>(c, spec.classes, true), {x});
  return m;
}

}  // namespace mpq
