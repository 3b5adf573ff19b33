// OnnxGraphBuilder, part 2: the classifier end of a graph (Flatten/Reshape, Gemm,
// MatMul + Add), the computed shapes and pads that feed Reshape and Pad, and the
// checkpoint the mapped graph becomes.
#include <algorithm>
#include <cstring>

#include "libmpq/core/error.hpp"
#include "libmpq/io/onnx_constant_folding.hpp"
#include "libmpq/io/onnx_graph_builder.hpp"
#include "libmpq/nn/batch_norm.hpp"
#include "libmpq/nn/conv2d.hpp"
#include "libmpq/nn/linear.hpp"
#include "libmpq/nn/model_builders.hpp"

namespace mpq::onnx_io {

void OnnxGraphBuilder::map_shape() {
  const Value in = activation_input(0);
  std::vector<int64_t> shape{1, in.c, in.h, in.w};  // the batch as exported: one image
  shape.resize(static_cast<size_t>(in.rank));
  const int64_t rank = in.rank;
  int64_t start = attribute_int(*node_, "start", 0), end = attribute_int(*node_, "end", rank);
  start = std::min(std::max(start < 0 ? start + rank : start, int64_t{0}), rank);
  end = std::min(std::max(end < 0 ? end + rank : end, int64_t{0}), rank);
  Value v;
  v.kind = Value::Kind::constant;
  v.owned = shape_tensor(std::vector<int64_t>(shape.begin() + start, shape.begin() + std::max(start, end)));
  v.tensor = v.owned.get();
  set_output(v);
}

void OnnxGraphBuilder::map_folded() {
  std::vector<const onnx::TensorProto*> inputs;
  for (const auto& name : node_->input()) inputs.push_back(name.empty() ? nullptr : value(name).tensor);
  Value v;
  v.kind = Value::Kind::constant;
  try {
    v.owned = fold_constant(*node_, inputs, "input");
  } catch (const Error& e) {
    unsupported(e.what());
  }
  v.tensor = v.owned.get();
  set_output(v);
}

Value OnnxGraphBuilder::flattened(const Value& v) {
  if (v.flat) {
    Value out = v;
    out.rank = 2;
    return out;
  }
  if (v.h != 1 || v.w != 1)
    unsupported("flattening a " + std::to_string(v.c) + "x" + std::to_string(v.h) + "x" + std::to_string(v.w) +
                " tensor is not supported (only 1x1 spatial: pool globally before the classifier)");
  // Averaging a 1x1 map is the identity and gives the [N, C] a classifier reads.
  GraphNode g;
  g.kind = LayerKind::GlobalAvgPool;
  g.inputs = {v.node};
  Value out = v;
  out.flat = true;
  out.rank = 2;
  out.node = add(std::move(g), {});
  return out;
}

void OnnxGraphBuilder::map_flatten() {
  const Value in = activation_input(0);
  if (node_->op_type() == "Flatten") {
    if (attribute_int(*node_, "axis", 1) != 1) unsupported("axis other than 1 is not supported");
  } else {
    const std::vector<int64_t> shape = read_int_tensor(constant_input(1), what_);
    const int64_t features = in.c * in.h * in.w;
    if (shape.size() != 2 || !(shape[1] == -1 || shape[1] == features) || shape[0] < -1 || shape[0] > 1)
      unsupported("target shape " + std::to_string(shape.size()) + "-D is not supported (only [N, C*H*W], e.g. [-1, " +
                  std::to_string(features) + "])");
  }
  set_output(flattened(in));
}

void OnnxGraphBuilder::map_linear() {
  const bool gemm = node_->op_type() == "Gemm";
  const Value in = flattened(activation_input(0));
  const FloatTensor b = read_float_tensor(constant_input(1), what_);
  if (b.dims.size() != 2) unsupported("weight of shape " + [&] {
      std::string s;
      for (int64_t d : b.dims) s += std::to_string(d) + " ";
      return s;
    }() + "is not supported (only 2-D)");
  bool trans_b = false;
  if (gemm) {
    if (attribute_int(*node_, "transA", 0) != 0) unsupported("transA 1 is not supported");
    if (attribute_float(*node_, "alpha", 1.f) != 1.f || attribute_float(*node_, "beta", 1.f) != 1.f)
      unsupported("alpha and beta other than 1 are not supported");
    trans_b = attribute_int(*node_, "transB", 0) != 0;
  }
  // Linear keeps PyTorch's [out, in]: Gemm with transB stores it so, MatMul as [in, out].
  const int64_t in_f = trans_b ? b.dims[1] : b.dims[0];
  const int64_t out_f = trans_b ? b.dims[0] : b.dims[1];
  if (in_f != in.c)
    unsupported("weight of " + std::to_string(in_f) + " inputs reads " + std::to_string(in.c) + " features");
  NodeWeights nw;
  nw.weight.resize(b.values.size());
  for (int64_t o = 0; o < out_f; ++o)
    for (int64_t i = 0; i < in_f; ++i)
      nw.weight[static_cast<size_t>(o * in_f + i)] =
          b.values[static_cast<size_t>(trans_b ? o * in_f + i : i * out_f + o)];
  const onnx::TensorProto* bias = gemm && has_input(2) ? &constant_input(2) : nullptr;
  int bias_add = -1;
  if (!gemm) {
    // MatMul(+Add): the Add of a constant that is MatMul's only reader is its bias.
    int readers = 0;
    for (int k = index_ + 1; k < graph_.node_size(); ++k)
      for (const auto& name : graph_.node(k).input())
        if (name == node_->output(0)) {
          ++readers;
          bias_add = k;
        }
    // The folded Add's output becomes the Linear's, so it must have one.
    if (readers == 1 && graph_.node(bias_add).op_type() == "Add" && graph_.node(bias_add).input_size() == 2 &&
        graph_.node(bias_add).output_size() >= 1 && !graph_.node(bias_add).output(0).empty()) {
      const auto& add = graph_.node(bias_add);
      const std::string& other = add.input(0) == node_->output(0) ? add.input(1) : add.input(0);
      auto it = values_.find(other);
      if (it != values_.end() && it->second.kind == Value::Kind::constant) bias = it->second.tensor;
    }
    if (!bias) bias_add = -1;
  }
  if (bias) {
    FloatTensor t = read_float_tensor(*bias, what_);
    if (static_cast<int64_t>(t.values.size()) != out_f)
      unsupported("bias of " + std::to_string(t.values.size()) + " values, expected " + std::to_string(out_f));
    nw.bias = std::move(t.values);
  }
  GraphNode g;
  g.kind = LayerKind::Linear;
  g.inputs = {in.node};
  g.in = in_f;
  g.out = out_f;
  g.bias = bias != nullptr;
  Value out;
  out.c = out_f;
  out.h = out.w = 1;
  out.flat = true;
  out.rank = 2;
  out.node = add(std::move(g), std::move(nw));
  set_output(out);
  if (bias_add >= 0) {
    folded_.insert(bias_add);
    values_[graph_.node(bias_add).output(0)] = out;
  }
}

Checkpoint OnnxGraphBuilder::finish(const std::string& output, int64_t classes) {
  auto it = values_.find(output);
  if (it == values_.end()) throw Error(what_ + ": the graph's output '" + output + "' is not computed by any node");
  const Value& v = it->second;
  if (v.kind != Value::Kind::activation)
    throw Error(what_ + ": the graph's output '" + output + "' is not computed from the input");
  if (v.node != static_cast<int>(out_.nodes.size()) - 1)
    throw Error(what_ + ": the graph's output '" + output +
                "' is not its last node's (nodes whose results are unused are not supported)");
  // Class scores are a flat [N, classes] of 2 or more; any other output (a feature map,
  // an ONNX node test's) imports with classes 0, which import and run accept and
  // training and evaluation refuse.
  const bool scores = v.flat && v.c >= 2;
  if (classes > 0 && !scores)
    throw Error(what_ + ": the graph's output '" + output + "' is not class scores [N, classes] (" +
                std::to_string(v.c) + "x" + std::to_string(v.h) + "x" + std::to_string(v.w) + "), --classes says " +
                std::to_string(classes));
  if (classes > 0 && classes != v.c)
    throw Error(what_ + ": the graph outputs " + std::to_string(v.c) + " classes, --classes says " +
                std::to_string(classes));
  if (v.c > kMaxClasses && scores)
    throw Error(what_ + ": the graph outputs " + std::to_string(v.c) + " scores, expected 2.." +
                std::to_string(kMaxClasses) + " classes");
  ModelSpec spec = graph_model_spec(out_, in_c_, in_h_, in_w_, scores ? v.c : 0);
  validate_model_spec(spec, what_);
  Model model = build_model(spec, 1);
  for (size_t i = 0; i < model.size(); ++i) {
    NodeWeights& w = weights_[i];
    Layer* layer = model.node(i).layer.get();
    auto fill = [&](Tensor& dst, const std::vector<float>& src) {
      // Sizes were checked against the node's own numbers when it was mapped.
      require(static_cast<int64_t>(src.size()) == dst.size(), what_ + ": internal size mismatch");
      if (!src.empty()) std::memcpy(dst.data(), src.data(), src.size() * sizeof(float));
    };
    if (auto* c = dynamic_cast<Conv2d*>(layer)) {
      fill(c->weight.value, w.weight);
      if (c->has_bias()) fill(c->bias.value, w.bias);
    } else if (auto* f = dynamic_cast<Linear*>(layer)) {
      fill(f->weight.value, w.weight);
      if (f->has_bias()) fill(f->bias.value, w.bias);
    } else if (auto* b = dynamic_cast<BatchNorm*>(layer)) {
      fill(b->gamma.value, w.gamma);
      fill(b->beta.value, w.beta);
      fill(b->running_mean, w.mean);
      fill(b->running_var, w.variance);
    }
  }
  Checkpoint ckpt;
  capture_model(model, ckpt);
  ckpt.meta["kind"] = "float";
  ckpt.meta["epoch"] = "0";
  // restore_model's checks (finite values, variances >= 0) apply to imported weights too.
  Model check = build_model(spec, 1);
  restore_model(ckpt, check, what_);
  return ckpt;
}

}  // namespace mpq::onnx_io
