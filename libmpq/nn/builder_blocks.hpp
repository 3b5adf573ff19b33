#pragma once

#include <string>

#include "libmpq/nn/model.hpp"

namespace mpq {

// Pieces shared by the model builders (internal to nn/).
enum class Activation { None, ReLU, ReLU6 };

// conv (no bias) -> BN -> activation, named prefix+conv_suffix etc. Returns the index
// of the last node added.
struct ConvBnNames {
  std::string conv, bn, act;
};
int add_conv_bn_act(Model& model, int input, const ConvBnNames& names, int64_t in_ch, int64_t out_ch,
                    int64_t kernel, int64_t stride, int64_t groups, Activation act, float bn_momentum = 0.1f);

// Rounds v to the nearest multiple of `divisor`, not below divisor and not more than
// 10% below v (torchvision's _make_divisible and MNasNet's _round_to_multiple_of).
int64_t round_channels(double v, int64_t divisor = 8);

}  // namespace mpq
