// MobileNetV2 exactly as torchvision builds mobilenet_v2 (Sandler et al. 2018): stem
// 3x3/2 conv, 17 inverted-residual blocks (expand 1x1 + ReLU6, depthwise 3x3 + ReLU6,
// linear 1x1 projection; residual when stride 1 and channels match), a 1x1 conv to
// 1280 * max(1, width) channels, global pooling, dropout (identity here: it has no
// parameters and is off at evaluation) and a linear classifier.
#include <memory>

#include "libmpq/nn/add.hpp"
#include "libmpq/nn/builder_blocks.hpp"
#include "libmpq/nn/global_avg_pool.hpp"
#include "libmpq/nn/linear.hpp"
#include "libmpq/nn/model_builders.hpp"

namespace mpq {

Model build_mobilenet_v2(const ModelSpec& spec) {
  struct Stage {
    int64_t expand, out, repeats, stride;
  };
  const Stage stages[] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                          {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  Model m(spec);
  int64_t c = round_channels(32 * spec.width);
  const int64_t last = round_channels(1280 * std::max(1.0f, spec.width));
  int x = add_conv_bn_act(m, Model::kInput, {"features.0.0", "features.0.1", "features.0.2"}, spec.in_channels, c, 3,
                          spec.small_input ? 1 : 2, 1, Activation::ReLU6);
  int index = 1;
  for (const Stage& s : stages) {
    const int64_t out = round_channels(s.out * spec.width);
    for (int64_t r = 0; r < s.repeats; ++r) {
      const int64_t stride = r == 0 ? s.stride : 1;
      const std::string p = "features." + std::to_string(index++) + ".conv.";
      const int block_in = x;
      const int64_t hidden = c * s.expand;
      int part = 0;
      if (s.expand != 1) {
        const std::string q = p + std::to_string(part++) + ".";
        x = add_conv_bn_act(m, x, {q + "0", q + "1", q + "2"}, c, hidden, 1, 1, 1, Activation::ReLU6);
      }
      const std::string q = p + std::to_string(part++) + ".";
      x = add_conv_bn_act(m, x, {q + "0", q + "1", q + "2"}, hidden, hidden, 3, stride, hidden, Activation::ReLU6);
      const std::string proj = p + std::to_string(part) , bn = p + std::to_string(part + 1);
      x = add_conv_bn_act(m, x, {proj, bn, ""}, hidden, out, 1, 1, 1, Activation::None);
      if (stride == 1 && c == out) x = m.add(p.substr(0, p.size() - 5) + "add", std::make_unique<Add>(), {block_in, x});
      c = out;
    }
  }
  const std::string p = "features." + std::to_string(index) + ".";
  x = add_conv_bn_act(m, x, {p + "0", p + "1", p + "2"}, c, last, 1, 1, 1, Activation::ReLU6);
  x = m.add("pool", std::make_unique<GlobalAvgPool>(), {x});
  m.add("classifier.1", std::make_unique<Linear>(last, spec.classes, true), {x});
  return m;
}

}  // namespace mpq
