#include "libmpq/io/torch_weights.hpp"

#include <cstring>
#include <set>

#include "libmpq/core/error.hpp"
#include "libmpq/nn/batch_norm.hpp"
#include "libmpq/nn/conv2d.hpp"
#include "libmpq/nn/linear.hpp"
#include "libmpq/nn/model_builders.hpp"

namespace mpq {

namespace {

using Layout = TorchTensor::Layout;

TorchTensor entry(const std::string& node, const char* param, Tensor* value, Layout layout = Layout::Same) {
  TorchTensor t;
  t.torch_name = node + "." + param;
  t.layout = layout;
  t.value = value;
  if (layout == Layout::ConvWeight) {
    const Shape& s = value->shape();  // [out, kh, kw, in/groups]
    t.torch_shape = {s[0], s[3], s[1], s[2]};
  } else if (value) {
    t.torch_shape = value->shape();
  }
  return t;
}

// PyTorch [o][i][y][x] from ours [o][y][x][i], or back.
void transpose_conv_weight(const float* src, float* dst, const Shape& ours, bool to_torch) {
  const int64_t out = ours[0], kh = ours[1], kw = ours[2], in = ours[3];
  for (int64_t o = 0; o < out; ++o)
    for (int64_t y = 0; y < kh; ++y)
      for (int64_t x = 0; x < kw; ++x)
        for (int64_t i = 0; i < in; ++i) {
          const int64_t ohwi = ((o * kh + y) * kw + x) * in + i;
          const int64_t oihw = ((o * in + i) * kh + y) * kw + x;
          if (to_torch) dst[oihw] = src[ohwi];
          else dst[ohwi] = src[oihw];
        }
}

std::string model_text(const Model& model) { return model.spec().to_string(); }

void check_counter(const SafetensorsTensor& t, const std::string& what) {
  if (!is_integer_dtype(t.dtype))
    throw Error(what + ": tensor '" + t.name + "' has dtype " + safetensors_dtype_name(t.dtype) +
                ", expected an integer scalar (I64)");
  if (shape_elements(t.shape) != 1)
    throw Error(what + ": tensor '" + t.name + "' has shape [" + shape_to_string(t.shape) +
                "], expected a scalar (shape [])");
}

}  // namespace

std::vector<TorchTensor> torch_state_dict_layout(Model& model) {
  std::vector<TorchTensor> out;
  for (size_t i = 0; i < model.size(); ++i) {
    Node& node = model.node(i);
    Layer* layer = node.layer.get();
    if (auto* conv = dynamic_cast<Conv2d*>(layer)) {
      out.push_back(entry(node.name, "weight", &conv->weight.value, Layout::ConvWeight));
      if (conv->has_bias()) out.push_back(entry(node.name, "bias", &conv->bias.value));
    } else if (auto* bn = dynamic_cast<BatchNorm*>(layer)) {
      out.push_back(entry(node.name, "weight", &bn->gamma.value));
      out.push_back(entry(node.name, "bias", &bn->beta.value));
      out.push_back(entry(node.name, "running_mean", &bn->running_mean));
      out.push_back(entry(node.name, "running_var", &bn->running_var));
      out.push_back(entry(node.name, "num_batches_tracked", nullptr, Layout::Counter));
    } else if (auto* fc = dynamic_cast<Linear*>(layer)) {
      out.push_back(entry(node.name, "weight", &fc->weight.value));
      if (fc->has_bias()) out.push_back(entry(node.name, "bias", &fc->bias.value));
    } else if (!layer->parameters().empty() || !layer->buffers().empty()) {
      throw Error("layer '" + node.name + "' (" + layer_kind_name(layer->kind()) +
                  ") has parameters without a PyTorch counterpart");
    }
  }
  return out;
}

Checkpoint import_torch_weights(const ModelSpec& spec, const SafetensorsFile& file, const std::string& what) {
  Model model = build_model(spec);
  const std::string expected_by = " (" + model_text(model) + ")";
  std::set<std::string> used;
  for (const TorchTensor& want : torch_state_dict_layout(model)) {
    const SafetensorsTensor* t = file.find(want.torch_name);
    if (want.layout == Layout::Counter) {
      if (t) {
        check_counter(*t, what);
        used.insert(t->name);
      }
      continue;
    }
    if (!t)
      throw Error(what + ": missing tensor '" + want.torch_name + "' of shape [" + shape_to_string(want.torch_shape) +
                  "]" + expected_by);
    if (t->shape != want.torch_shape)
      throw Error(what + ": tensor '" + t->name + "' has shape [" + shape_to_string(t->shape) + "], expected [" +
                  shape_to_string(want.torch_shape) + "]" + expected_by);
    const std::vector<float> values = safetensors_to_floats(*t, what);
    if (want.layout == Layout::ConvWeight)
      transpose_conv_weight(values.data(), want.value->data(), want.value->shape(), false);
    else
      std::memcpy(want.value->data(), values.data(), values.size() * sizeof(float));
    used.insert(t->name);
  }
  if (used.size() != file.tensors.size()) {
    std::string first;
    for (const auto& t : file.tensors)
      if (!used.count(t.name) && (first.empty() || t.name < first)) first = t.name;
    throw Error(what + ": unexpected tensor '" + first + "'" +
                (file.tensors.size() - used.size() > 1
                     ? " and " + std::to_string(file.tensors.size() - used.size() - 1) + " more"
                     : std::string()) +
                ", not part of " + model_text(model) + " (wrong --model, --width or --classes?)");
  }
  Checkpoint ckpt;
  capture_model(model, ckpt);
  ckpt.meta["kind"] = "float";
  ckpt.meta["epoch"] = "0";
  return ckpt;
}

SafetensorsFile export_torch_weights(const Checkpoint& ckpt, const std::string& what) {
  const std::string kind = ckpt.meta_or("kind", "float");
  if (kind != "float")
    throw Error(what + ": is a '" + kind +
                "' checkpoint; export-weights takes float checkpoints (quantizer state has no PyTorch counterpart)");
  Model model = build_model(ckpt.spec);
  restore_model(ckpt, model, what);
  SafetensorsFile file;
  file.metadata["format"] = "pt";
  for (const TorchTensor& t : torch_state_dict_layout(model)) {
    if (t.layout == Layout::Counter) {
      SafetensorsTensor counter;
      counter.name = t.torch_name;
      counter.dtype = SafetensorsDtype::I64;
      counter.data.assign(8, '\0');
      file.tensors.push_back(std::move(counter));
    } else if (t.layout == Layout::ConvWeight) {
      std::vector<float> torch_order(static_cast<size_t>(t.value->size()));
      transpose_conv_weight(t.value->data(), torch_order.data(), t.value->shape(), true);
      file.tensors.push_back(safetensors_from_floats(t.torch_name, t.torch_shape, torch_order.data()));
    } else {
      file.tensors.push_back(safetensors_from_floats(t.torch_name, t.torch_shape, t.value->data()));
    }
  }
  return file;
}

}  // namespace mpq
