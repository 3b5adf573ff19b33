#include "libmpq/quant/fold_batch_norm.hpp"

#include <cmath>
#include <memory>

#include "libmpq/core/error.hpp"
#include "libmpq/nn/add.hpp"
#include "libmpq/nn/batch_norm.hpp"
#include "libmpq/nn/conv2d.hpp"
#include "libmpq/nn/global_avg_pool.hpp"
#include "libmpq/nn/linear.hpp"
#include "libmpq/nn/pool2d.hpp"
#include "libmpq/nn/relu.hpp"

namespace mpq {

namespace {

// A fresh layer with the same configuration and parameter values.
std::unique_ptr<Layer> clone_layer(Layer& layer) {
  switch (layer.kind()) {
    case LayerKind::Conv2d: {
      auto& c = static_cast<Conv2d&>(layer);
      auto copy = std::make_unique<Conv2d>(c.in_channels(), c.out_channels(), c.window(), c.groups(), c.has_bias());
      copy->weight.value = c.weight.value;
      if (c.has_bias()) copy->bias.value = c.bias.value;
      return copy;
    }
    case LayerKind::Linear: {
      auto& l = static_cast<Linear&>(layer);
      auto copy = std::make_unique<Linear>(l.in_features(), l.out_features(), l.has_bias());
      copy->weight.value = l.weight.value;
      if (l.has_bias()) copy->bias.value = l.bias.value;
      return copy;
    }
    case LayerKind::ReLU: return std::make_unique<ReLU>(static_cast<ReLU&>(layer).cap());
    case LayerKind::Add: return std::make_unique<Add>();
    case LayerKind::GlobalAvgPool: return std::make_unique<GlobalAvgPool>();
    case LayerKind::AvgPool:
    case LayerKind::MaxPool: {
      auto& p = static_cast<Pool2d&>(layer);
      return std::make_unique<Pool2d>(p.mode(), p.window(), p.count_include_pad());
    }
    case LayerKind::BatchNorm: {
      auto& b = static_cast<BatchNorm&>(layer);
      auto copy = std::make_unique<BatchNorm>(b.channels(), b.momentum(), b.eps());
      copy->gamma.value = b.gamma.value;
      copy->beta.value = b.beta.value;
      copy->running_mean = b.running_mean;
      copy->running_var = b.running_var;
      return copy;
    }
    default: throw Error(std::string("fold_batch_norm: cannot copy a '") + layer_kind_name(layer.kind()) + "' layer");
  }
}

std::unique_ptr<Conv2d> fold(const Conv2d& conv, const BatchNorm& bn) {
  auto out = std::make_unique<Conv2d>(conv.in_channels(), conv.out_channels(), conv.window(), conv.groups(),
                                      /*bias=*/true);
  const int64_t channels = conv.out_channels();
  const int64_t per_channel = conv.weight.value.size() / channels;
  for (int64_t o = 0; o < channels; ++o) {
    const double factor = static_cast<double>(bn.gamma.value[o]) /
                          std::sqrt(static_cast<double>(bn.running_var[o]) + static_cast<double>(bn.eps()));
    for (int64_t k = 0; k < per_channel; ++k)
      out->weight.value[o * per_channel + k] = static_cast<float>(conv.weight.value[o * per_channel + k] * factor);
    const double b = conv.has_bias() ? conv.bias.value[o] : 0.0;
    out->bias.value[o] = static_cast<float>(bn.beta.value[o] + (b - bn.running_mean[o]) * factor);
  }
  return out;
}

}  // namespace

Model fold_batch_norm(Model& model) {
  Model out(model.spec());
  std::vector<int> readers(model.size(), 0);
  for (size_t i = 0; i < model.size(); ++i)
    for (int k : model.node(i).inputs)
      if (k >= 0) ++readers[static_cast<size_t>(k)];
  // new_index[i]: the node of `out` whose output equals node i's output.
  std::vector<int> new_index(model.size(), -1);
  for (size_t i = 0; i < model.size(); ++i) {
    Node& node = model.node(i);
    std::vector<int> inputs;
    for (int k : node.inputs) inputs.push_back(k < 0 ? k : new_index[static_cast<size_t>(k)]);
    if (node.layer->kind() == LayerKind::BatchNorm && node.inputs.size() == 1 && node.inputs[0] >= 0) {
      const size_t src = static_cast<size_t>(node.inputs[0]);
      Node& prev = model.node(src);
      if (prev.layer->kind() == LayerKind::Conv2d && readers[src] == 1) {
        const int conv_index = new_index[src];
        out.node(static_cast<size_t>(conv_index)).layer =
            fold(static_cast<Conv2d&>(*prev.layer), static_cast<BatchNorm&>(*node.layer));
        new_index[i] = conv_index;
        continue;
      }
    }
    new_index[i] = out.add(node.name, clone_layer(*node.layer), inputs);
  }
  return out;
}

}  // namespace mpq
