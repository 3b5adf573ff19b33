#include "libmpq/io/onnx_graph_builder.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include "libmpq/core/error.hpp"
#include "libmpq/io/onnx_constant_folding.hpp"

namespace mpq::onnx_io {

std::string dims_text(const std::vector<int64_t>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "x" : "") + std::to_string(v[i]);
  return s.empty() ? "scalar" : s;
}

OnnxGraphBuilder::OnnxGraphBuilder(const onnx::GraphProto& graph, int64_t opset, std::string what)
    : graph_(graph), opset_(opset), what_(std::move(what)) {
  for (const auto& t : graph_.initializer()) {
    Value v;
    v.kind = Value::Kind::constant;
    v.tensor = &t;
    values_[t.name()] = v;
  }
}

void OnnxGraphBuilder::set_input(const std::string& name, int64_t c, int64_t h, int64_t w) {
  in_c_ = c;
  in_h_ = h;
  in_w_ = w;
  Value v;
  v.node = Model::kInput;
  v.c = c;
  v.h = h;
  v.w = w;
  values_[name] = v;
}

void OnnxGraphBuilder::unsupported(const std::string& problem) const {
  throw Error(what_ + ": " + node_label(*node_, index_) + ": " + problem);
}

bool OnnxGraphBuilder::has_input(int i) const { return i < node_->input_size() && !node_->input(i).empty(); }

const Value& OnnxGraphBuilder::value(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) unsupported("reads '" + name + "', which no earlier node or initializer provides");
  return it->second;
}

const Value& OnnxGraphBuilder::activation_input(int i) const {
  if (!has_input(i)) unsupported("input " + std::to_string(i) + " is missing");
  const Value& v = value(node_->input(i));
  if (v.kind == Value::Kind::constant)
    unsupported("input '" + node_->input(i) + "' is a constant, expected an activation");
  if (v.kind == Value::Kind::padded)
    unsupported("reads the output of a Pad; a zero Pad is supported only right before a Conv or AveragePool");
  return v;
}

const onnx::TensorProto& OnnxGraphBuilder::constant_input(int i) const {
  if (!has_input(i)) unsupported("input " + std::to_string(i) + " is missing");
  const Value& v = value(node_->input(i));
  if (v.kind != Value::Kind::constant)
    unsupported("input '" + node_->input(i) + "' is computed, expected an initializer or a Constant");
  return *v.tensor;
}

int OnnxGraphBuilder::add(GraphNode n, NodeWeights weights) {
  std::string base = node_->name().empty() ? node_->op_type() + "_" + std::to_string(index_) : node_->name();
  base = base.substr(0, kMaxGraphNameBytes - 8);
  for (char& ch : base)  // names show in tables and messages: one line each
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = '_';
  std::string name = base;
  for (int k = 2; names_.count(name); ++k) name = base + "#" + std::to_string(k);
  names_.insert(name);
  n.name = name;
  check_graph_node(n);
  out_.nodes.push_back(std::move(n));
  weights_.push_back(std::move(weights));
  if (out_.nodes.size() > kMaxGraphNodes)
    throw Error(what_ + ": more than " + std::to_string(kMaxGraphNodes) + " nodes after mapping");
  return static_cast<int>(out_.nodes.size()) - 1;
}

void OnnxGraphBuilder::set_output(const Value& v) {
  if (node_->output_size() < 1 || node_->output(0).empty()) unsupported("has no output");
  values_[node_->output(0)] = v;
}

void OnnxGraphBuilder::map_node(int index) {
  if (folded_.count(index)) return;
  node_ = &graph_.node(index);
  index_ = index;
  const onnx::NodeProto& n = *node_;
  if (!n.domain().empty() && n.domain() != "ai.onnx") unsupported("domain '" + n.domain() + "' is not supported");
  // Every mapping names its result by output 0 (and MatMul looks for its readers by it):
  // protobuf's accessors abort on a missing one, so refuse it before any of them runs.
  if (n.output_size() < 1 || n.output(0).empty()) unsupported("has no output");
  const std::string& op = n.op_type();
  if (op == "Shape") return map_shape();
  if (is_foldable_op(op)) {
    bool constants = true;
    for (const auto& name : n.input())
      constants = constants && (name.empty() || value(name).kind == Value::Kind::constant);
    if (constants) return map_folded();
    if (op != "Reshape") unsupported("is supported only on constants (as in computed shapes and pads)");
  }
  if (op == "Conv") return map_conv();
  if (op == "BatchNormalization") return map_batch_norm();
  if (op == "Relu" || op == "Clip") return map_relu_or_clip();
  if (op == "Add") return map_add();
  if (op == "GlobalAveragePool") return map_global_average_pool();
  if (op == "AveragePool" || op == "MaxPool") return map_pool();
  if (op == "Pad") return map_pad();
  if (op == "Flatten" || op == "Reshape") return map_flatten();
  if (op == "Gemm" || op == "MatMul") return map_linear();
  if (op == "Identity" || op == "Dropout") {
    if (n.output_size() > 1 && !n.output(1).empty()) unsupported("its mask output is not supported");
    return set_output(value(n.input_size() > 0 ? n.input(0) : ""));
  }
  if (op == "Constant") {
    const auto* a = find_attribute(n, "value");
    if (!a || !a->has_t()) unsupported("only the 'value' tensor form is supported");
    Value v;
    v.kind = Value::Kind::constant;
    v.tensor = &a->t();
    return set_output(v);
  }
  unsupported("op type '" + op.substr(0, 60) + "' is not supported (see docs/import.md)");
}

Window2d OnnxGraphBuilder::window(const Value& in, int64_t kh, int64_t kw, bool& own_padding) {
  Window2d w;
  w.kh = kh;
  w.kw = kw;
  if (kh < 1 || kw < 1 || kh > kMaxGraphWindow || kw > kMaxGraphWindow)
    unsupported("kernel " + dims_text({kh, kw}) + " is out of range");
  const std::vector<int64_t> strides = attribute_ints(*node_, "strides");
  if (!strides.empty() && strides.size() != 2)
    unsupported("strides " + dims_text(strides) + ": expected 2 values for a 2-D window");
  w.sh = strides.empty() ? 1 : strides[0];
  w.sw = strides.empty() ? 1 : strides[1];
  for (int64_t s : {w.sh, w.sw})
    if (s < 1 || s > kMaxGraphWindow) unsupported("strides " + dims_text(strides) + " are out of range");
  const std::vector<int64_t> dilations = attribute_ints(*node_, "dilations");
  for (int64_t d : dilations)
    if (d != 1) unsupported("dilations " + dims_text(dilations) + " are not supported (only 1)");
  std::vector<int64_t> pads = attribute_ints(*node_, "pads");
  if (pads.empty()) pads.assign(4, 0);
  if (pads.size() != 4) unsupported("pads " + dims_text(pads) + ": expected 4 values for a 2-D window");
  for (int64_t p : pads)
    if (p < 0 || p > kMaxGraphWindow) unsupported("pads " + dims_text(pads) + " are out of range");
  const std::string auto_pad = attribute_string(*node_, "auto_pad", "NOTSET");
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    // SAME: the output is ceil(in / stride); the padding needed is split, the odd zero
    // after (UPPER) or before (LOWER).
    for (int axis = 0; axis < 2; ++axis) {
      const int64_t size = axis == 0 ? in.h : in.w, stride = axis == 0 ? w.sh : w.sw, k = axis == 0 ? kh : kw;
      const int64_t out = (size + stride - 1) / stride;
      const int64_t total = std::max<int64_t>((out - 1) * stride + k - size, 0);
      pads[static_cast<size_t>(axis)] = pads[static_cast<size_t>(axis + 2)] = total / 2;
      if (total % 2) pads[static_cast<size_t>(auto_pad == "SAME_UPPER" ? axis + 2 : axis)] += 1;
    }
  } else if (auto_pad == "VALID") {
    pads.assign(4, 0);
  } else if (auto_pad != "NOTSET") {
    unsupported("auto_pad '" + auto_pad.substr(0, 20) + "' is not supported");
  }
  own_padding = pads[0] || pads[1] || pads[2] || pads[3];
  const Value& src = value(node_->input(0));
  if (src.kind == Value::Kind::padded) {
    pads[0] += src.pad_top;
    pads[1] += src.pad_left;
    pads[2] += src.pad_bottom;
    pads[3] += src.pad_right;
  }
  for (int64_t p : pads)
    if (p > kMaxGraphWindow) unsupported("pads " + dims_text(pads) + " are out of range");
  w.top = pads[0];
  w.left = pads[1];
  w.bottom = pads[2];
  w.right = pads[3];
  if (w.out_h(in.h) < 1 || w.out_w(in.w) < 1)
    unsupported("kernel " + dims_text({kh, kw}) + " is larger than its padded input");
  return w;
}

void OnnxGraphBuilder::map_conv() {
  if (!has_input(0)) unsupported("input 0 is missing");
  Value in = value(node_->input(0));
  if (in.kind == Value::Kind::constant) unsupported("its input is a constant");
  if (in.flat) unsupported("its input is a flattened [N, C] tensor, expected N x C x H x W");
  const FloatTensor weight = read_float_tensor(constant_input(1), what_);
  const std::vector<int64_t>& wd = weight.dims;
  if (wd.size() != 4) unsupported("weight of shape " + dims_text(wd) + " is not supported (only 2-D convolutions)");
  const std::vector<int64_t> ks = attribute_ints(*node_, "kernel_shape");
  if (!ks.empty() && ks != std::vector<int64_t>{wd[2], wd[3]})
    unsupported("kernel_shape " + dims_text(ks) + " disagrees with the weight's " + dims_text(wd));
  const int64_t groups = attribute_int(*node_, "group", 1);
  if (groups < 1 || groups > in.c || in.c % groups != 0 || wd[1] != in.c / groups || wd[0] % groups != 0)
    unsupported("group " + std::to_string(groups) + " with weight " + dims_text(wd) + " does not fit " +
                std::to_string(in.c) + " input channels");
  GraphNode g;
  g.kind = LayerKind::Conv2d;
  g.inputs = {in.node};
  g.in = in.c;
  g.out = wd[0];
  bool own_padding = false;
  const Window2d win = window(in, wd[2], wd[3], own_padding);
  set_graph_window(g, win);
  g.groups = groups;
  g.bias = has_input(2);
  const int64_t oh = win.out_h(in.h), ow = win.out_w(in.w);
  NodeWeights nw;
  // OIHW -> OHWI: the project's conv weights keep the input channel innermost.
  const int64_t kh = win.kh, kw = win.kw, ipg = wd[1];
  nw.weight.resize(weight.values.size());
  for (int64_t o = 0; o < wd[0]; ++o)
    for (int64_t i = 0; i < ipg; ++i)
      for (int64_t y = 0; y < kh; ++y)
        for (int64_t x = 0; x < kw; ++x)
          nw.weight[static_cast<size_t>(((o * kh + y) * kw + x) * ipg + i)] =
              weight.values[static_cast<size_t>(((o * ipg + i) * kh + y) * kw + x)];
  if (g.bias) {
    FloatTensor b = read_float_tensor(constant_input(2), what_);
    if (static_cast<int64_t>(b.values.size()) != g.out)
      unsupported("bias of shape " + dims_text(b.dims) + ", expected " + std::to_string(g.out) + " values");
    nw.bias = std::move(b.values);
  }
  Value out;
  out.c = g.out;
  out.h = oh;
  out.w = ow;
  out.node = add(std::move(g), std::move(nw));
  set_output(out);
}

void OnnxGraphBuilder::map_batch_norm() {
  const Value in = activation_input(0);
  if (attribute_int(*node_, "training_mode", 0) != 0) unsupported("training_mode 1 is not supported (inference only)");
  if (node_->output_size() > 1) unsupported("running-statistics outputs are not supported (inference only)");
  GraphNode g;
  g.kind = LayerKind::BatchNorm;
  g.inputs = {in.node};
  g.in = in.c;
  g.eps = attribute_float(*node_, "epsilon", 1e-5f);
  // ONNX keeps this much of the running statistics; PyTorch (and nn::BatchNorm) names
  // the share of the batch's.
  g.momentum = 1.f - attribute_float(*node_, "momentum", 0.9f);
  if (!(g.momentum >= 0.f && g.momentum <= 1.f) || !(g.eps > 0.f && g.eps <= 1.f))
    unsupported("epsilon or momentum outside (0, 1] and [0, 1]");
  NodeWeights nw;
  std::vector<float>* dst[4] = {&nw.gamma, &nw.beta, &nw.mean, &nw.variance};
  for (int i = 0; i < 4; ++i) {
    FloatTensor t = read_float_tensor(constant_input(i + 1), what_);
    if (static_cast<int64_t>(t.values.size()) != in.c)
      unsupported("input " + std::to_string(i + 1) + " of shape " + dims_text(t.dims) + ", expected " +
                  std::to_string(in.c) + " values (one per channel)");
    *dst[i] = std::move(t.values);
  }
  Value out = in;
  out.node = add(std::move(g), std::move(nw));
  set_output(out);
}

void OnnxGraphBuilder::map_relu_or_clip() {
  const Value in = activation_input(0);
  float lo = 0.f, hi = std::numeric_limits<float>::infinity();
  if (node_->op_type() == "Clip") {
    lo = -std::numeric_limits<float>::infinity();
    if (opset_ >= 11) {
      for (int i = 1; i <= 2; ++i) {
        if (!has_input(i)) continue;
        const FloatTensor t = read_float_tensor(constant_input(i), what_);
        if (t.values.size() != 1) unsupported("min and max must be scalars");
        (i == 1 ? lo : hi) = t.values[0];
      }
    } else {
      lo = attribute_float(*node_, "min", lo);
      hi = attribute_float(*node_, "max", hi);
    }
    if (lo != 0.f || !(hi > 0.f))
      unsupported("Clip(" + std::to_string(lo) + ", " + std::to_string(hi) +
                  ") is not supported (only min 0 and a positive max, as ReLU6)");
  }
  GraphNode g;
  g.kind = LayerKind::ReLU;
  g.inputs = {in.node};
  g.cap = hi;
  Value out = in;
  out.node = add(std::move(g), {});
  set_output(out);
}

void OnnxGraphBuilder::map_add() {
  const Value a = activation_input(0);
  const Value b = activation_input(1);
  if (a.c != b.c || a.h != b.h || a.w != b.w || a.flat != b.flat)
    unsupported("adds tensors of different shapes (broadcasting is not supported)");
  GraphNode g;
  g.kind = LayerKind::Add;
  g.inputs = {a.node, b.node};
  Value out = a;
  out.node = add(std::move(g), {});
  set_output(out);
}

}  // namespace mpq::onnx_io
