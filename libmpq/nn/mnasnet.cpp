// MNasNet-A1 without squeeze-excitation, exactly as torchvision's mnasnet1_0 /
// mnasnet0_5 etc. (Tan et al. 2019, the variant torchvision ships): stem 3x3/2 conv,
// a depthwise-separable block, six stacks of inverted residuals with 3x3 or 5x5
// depthwise kernels and expansion 3 or 6, a 1x1 conv to 1280, global pooling, dropout
// (identity here) and a linear classifier. ReLU activations, BN momentum 0.0003.
#include <memory>

#include "libmpq/nn/add.hpp"
#include "libmpq/nn/builder_blocks.hpp"
#include "libmpq/nn/global_avg_pool.hpp"
#include "libmpq/nn/linear.hpp"
#include "libmpq/nn/model_builders.hpp"

namespace mpq {

Model build_mnasnet(const ModelSpec& spec) {
  const float bn_momentum = 1.f - 0.9997f;
  auto depth = [&](int64_t d) { return round_channels(d * spec.width); };
  struct Stack {
    int64_t out, kernel, stride, expand, repeats;
  };
  const Stack stacks[] = {{24, 3, 2, 3, 3}, {40, 5, 2, 3, 3},  {80, 5, 2, 6, 3},
                          {96, 3, 1, 6, 2}, {192, 5, 2, 6, 4}, {320, 3, 1, 6, 1}};
  Model m(spec);
  const int64_t c0 = depth(32), c1 = depth(16);
  int x = add_conv_bn_act(m, Model::kInput, {"layers.0", "layers.1", "layers.2"}, spec.in_channels, c0, 3,
                          spec.small_input ? 1 : 2, 1, Activation::ReLU, bn_momentum);
  x = add_conv_bn_act(m, x, {"layers.3", "layers.4", "layers.5"}, c0, c0, 3, 1, c0, Activation::ReLU, bn_momentum);
  x = add_conv_bn_act(m, x, {"layers.6", "layers.7", ""}, c0, c1, 1, 1, 1, Activation::None, bn_momentum);
  int64_t c = c1;
  int index = 8;
  for (const Stack& s : stacks) {
    const int64_t out = depth(s.out);
    for (int64_t r = 0; r < s.repeats; ++r) {
      const int64_t stride = r == 0 ? s.stride : 1;
      const std::string p = "layers." + std::to_string(index) + "." + std::to_string(r) + ".layers.";
      const int block_in = x;
      const int64_t mid = c * s.expand;
      x = add_conv_bn_act(m, x, {p + "0", p + "1", p + "2"}, c, mid, 1, 1, 1, Activation::ReLU, bn_momentum);
      x = add_conv_bn_act(m, x, {p + "3", p + "4", p + "5"}, mid, mid, s.kernel, stride, mid, Activation::ReLU,
                          bn_momentum);
      x = add_conv_bn_act(m, x, {p + "6", p + "7", ""}, mid, out, 1, 1, 1, Activation::None, bn_momentum);
      if (stride == 1 && c == out)
        x = m.add("layers." + std::to_string(index) + "." + std::to_string(r) + ".add", std::make_unique<Add>(),
                  {block_in, x});
      c = out;
    }
    ++index;
  }
  x = add_conv_bn_act(m, x, {"layers.14", "layers.15", "layers.16"}, c, 1280, 1, 1, 1, Activation::ReLU, bn_momentum);
  x = m.add("pool", std::make_unique<GlobalAvgPool>(), {x});
  m.add("classifier.1", std::make_unique<Linear>(1280, spec.classes, true), {x});
  return m;
}

}  // namespace mpq
