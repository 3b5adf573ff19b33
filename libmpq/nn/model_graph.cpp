#include "libmpq/nn/model_graph.hpp"

#include <cmath>
#include <set>

#include "libmpq/core/byte_io.hpp"
#include "libmpq/core/crc32.hpp"
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

size_t input_count(LayerKind kind) { return kind == LayerKind::Add ? 2 : 1; }

std::string node_text(const GraphNode& node) {
  return "graph node '" + node.name + "' (" + layer_kind_name(node.kind) + ")";
}

void check_range(const GraphNode& node, const char* field, int64_t v, int64_t lo, int64_t hi) {
  if (v < lo || v > hi)
    throw Error(node_text(node) + ": " + field + " " + std::to_string(v) + ", expected " + std::to_string(lo) + ".." +
                std::to_string(hi));
}

// Every window number in range; pools also need each side's padding below the kernel.
void check_window(const GraphNode& n, bool pool) {
  const Window2d w = graph_window(n);
  check_range(n, "kernel", w.kh, 1, kMaxGraphWindow);
  check_range(n, "kernel width", w.kw, 1, kMaxGraphWindow);
  check_range(n, "stride", w.sh, 1, kMaxGraphWindow);
  check_range(n, "stride width", w.sw, 1, kMaxGraphWindow);
  const int64_t max_h = pool ? w.kh - 1 : kMaxGraphWindow;
  const int64_t max_w = pool ? w.kw - 1 : kMaxGraphWindow;
  check_range(n, "padding", w.top, 0, max_h);
  check_range(n, "padding bottom", w.bottom, 0, max_h);
  check_range(n, "padding left", w.left, 0, max_w);
  check_range(n, "padding right", w.right, 0, max_w);
}

}  // namespace

Window2d graph_window(const GraphNode& n) {
  if (n.kernel_w == 0) return Window2d::square(n.kernel, n.stride, n.padding);
  return {n.kernel, n.kernel_w, n.stride, n.stride_w, n.padding, n.pad_left, n.pad_bottom, n.pad_right};
}

void set_graph_window(GraphNode& n, const Window2d& w) {
  n.kernel = w.kh;
  n.stride = w.sh;
  n.padding = w.top;
  const bool square = w.is_square();
  n.kernel_w = square ? 0 : w.kw;
  n.stride_w = square ? 0 : w.sw;
  n.pad_left = square ? 0 : w.left;
  n.pad_bottom = square ? 0 : w.bottom;
  n.pad_right = square ? 0 : w.right;
}

void check_graph_node(const GraphNode& n) {
  if (n.name.empty() || n.name.size() > kMaxGraphNameBytes)
    throw Error("graph node name of " + std::to_string(n.name.size()) + " bytes, expected 1.." +
                std::to_string(kMaxGraphNameBytes));
  if (n.inputs.size() != input_count(n.kind))
    throw Error(node_text(n) + ": " + std::to_string(n.inputs.size()) + " inputs, expected " +
                std::to_string(input_count(n.kind)));
  switch (n.kind) {
    case LayerKind::Conv2d:
      check_range(n, "in channels", n.in, 1, kMaxGraphChannels);
      check_range(n, "out channels", n.out, 1, kMaxGraphChannels);
      check_window(n, false);
      check_range(n, "groups", n.groups, 1, n.in);
      if (n.in % n.groups != 0 || n.out % n.groups != 0)
        throw Error(node_text(n) + ": groups " + std::to_string(n.groups) + " do not divide channels " +
                    std::to_string(n.in) + " -> " + std::to_string(n.out));
      return;
    case LayerKind::Linear:
      check_range(n, "in features", n.in, 1, kMaxGraphChannels);
      check_range(n, "out features", n.out, 1, kMaxGraphChannels);
      return;
    case LayerKind::BatchNorm:
      check_range(n, "channels", n.in, 1, kMaxGraphChannels);
      if (!(n.momentum >= 0.f && n.momentum <= 1.f) || !(n.eps > 0.f && n.eps <= 1.f))
        throw Error(node_text(n) + ": momentum " + std::to_string(n.momentum) + " eps " + std::to_string(n.eps) +
                    ", expected momentum in [0, 1] and eps in (0, 1]");
      return;
    case LayerKind::ReLU:
      if (!(n.cap > 0.f))  // also refuses NaN; +inf is a plain ReLU
        throw Error(node_text(n) + ": cap " + std::to_string(n.cap) + ", expected a positive number or infinity");
      return;
    case LayerKind::AvgPool:
    case LayerKind::MaxPool:
      check_window(n, true);
      return;
    case LayerKind::GlobalAvgPool:
    case LayerKind::Add:
      return;
    default:
      throw Error(node_text(n) + ": not a kind a stored graph holds");
  }
}

std::unique_ptr<Layer> make_graph_layer(const GraphNode& n) {
  check_graph_node(n);
  switch (n.kind) {
    case LayerKind::Conv2d:
      return std::make_unique<Conv2d>(n.in, n.out, graph_window(n), n.groups, n.bias);
    case LayerKind::Linear:
      return std::make_unique<Linear>(n.in, n.out, n.bias);
    case LayerKind::BatchNorm:
      return std::make_unique<BatchNorm>(n.in, n.momentum, n.eps);
    case LayerKind::ReLU:
      return std::make_unique<ReLU>(n.cap);
    case LayerKind::AvgPool:
    case LayerKind::MaxPool:
      return std::make_unique<Pool2d>(n.kind == LayerKind::MaxPool ? Pool2d::Mode::Max : Pool2d::Mode::Average,
                                      graph_window(n), n.count_include_pad);
    case LayerKind::GlobalAvgPool:
      return std::make_unique<GlobalAvgPool>();
    default:
      return std::make_unique<Add>();
  }
}

int64_t graph_parameter_count(const ModelGraph& graph, int64_t limit) {
  int64_t total = 0;
  for (const GraphNode& n : graph.nodes) {
    // Each factor is at most kMaxGraphChannels or kMaxGraphWindow (2^16, 2^13), so one
    // node's count stays below 2^59; the sum stops once past the limit.
    int64_t count = 0;
    if (n.kind == LayerKind::Conv2d && n.groups > 0)
      count = n.out * n.kernel * (n.kernel_w ? n.kernel_w : n.kernel) * (n.in / n.groups) + (n.bias ? n.out : 0);
    else if (n.kind == LayerKind::Linear)
      count = n.out * n.in + (n.bias ? n.out : 0);
    else if (n.kind == LayerKind::BatchNorm)
      count = 4 * n.in;  // gamma, beta and the two running statistics
    total += count;
    if (total > limit) return total;
  }
  return total;
}

ModelGraph describe_graph(const Model& model) {
  ModelGraph g;
  for (size_t i = 0; i < model.size(); ++i) {
    const Node& node = model.node(i);
    GraphNode n;
    n.name = node.name;
    n.kind = node.layer->kind();
    n.inputs = node.inputs;
    const Layer* l = node.layer.get();
    if (const auto* c = dynamic_cast<const Conv2d*>(l)) {
      n.in = c->in_channels();
      n.out = c->out_channels();
      set_graph_window(n, c->window());
      n.groups = c->groups();
      n.bias = c->has_bias();
    } else if (const auto* f = dynamic_cast<const Linear*>(l)) {
      n.in = f->in_features();
      n.out = f->out_features();
      n.bias = f->has_bias();
    } else if (const auto* b = dynamic_cast<const BatchNorm*>(l)) {
      n.in = b->channels();
      n.momentum = b->momentum();
      n.eps = b->eps();
    } else if (const auto* r = dynamic_cast<const ReLU*>(l)) {
      n.cap = r->cap();
    } else if (const auto* p = dynamic_cast<const Pool2d*>(l)) {
      set_graph_window(n, p->window());
      if (n.kind == LayerKind::AvgPool) n.count_include_pad = p->count_include_pad();
    } else if (!dynamic_cast<const GlobalAvgPool*>(l) && !dynamic_cast<const Add*>(l)) {
      throw Error("graph node '" + node.name + "' (" + layer_kind_name(n.kind) + "): a stored graph cannot hold it");
    }
    g.nodes.push_back(std::move(n));
  }
  return g;
}

uint32_t graph_fingerprint(const ModelGraph& graph) {
  ByteWriter w;
  encode_graph(w, graph);
  return crc32(w.bytes().data(), w.bytes().size());
}

ModelSpec graph_model_spec(ModelGraph graph, int64_t in_channels, int64_t in_height, int64_t in_width,
                           int64_t classes) {
  ModelSpec s;
  s.arch = kGraphArch;
  s.width = 1.f;
  s.small_input = false;
  s.in_channels = in_channels;
  s.in_height = in_height;
  s.in_width = in_width;
  s.classes = classes;
  s.graph_fingerprint = graph_fingerprint(graph);
  s.graph = std::make_shared<const ModelGraph>(std::move(graph));
  return s;
}

Model build_graph_model(const ModelSpec& spec, const std::string& what) {
  if (!spec.graph)
    throw Error(what + ": model " + spec.to_string() +
                " is a stored graph; give the checkpoint that holds it (e.g. --model float.mpqc)");
  Model m(spec);
  for (const GraphNode& n : spec.graph->nodes) {
    try {
      m.add(n.name, make_graph_layer(n), n.inputs);
    } catch (const Error& e) {
      throw Error(what + ": " + e.what());
    }
  }
  if (m.size() == 0) throw Error(what + ": the stored graph has no nodes");
  std::vector<Shape> shapes;
  try {
    shapes = m.node_shapes(1);
  } catch (const Error& e) {
    throw Error(what + ": " + e.what());
  }
  const Shape want{1, spec.classes};
  if (spec.classes != 0 && shapes.back() != want)
    throw Error(what + ": the graph's last node '" + m.node(m.size() - 1).name + "' outputs " +
                shape_to_string(shapes.back()) + ", expected " + shape_to_string(want) + " (the class scores)");
  return m;
}

namespace {

constexpr uint8_t kWideWindow = 0x80;  // in a node's kind byte: a window that is not square follows

void encode_wide_window(ByteWriter& w, const GraphNode& n) {
  for (int64_t v : {n.kernel_w, n.stride_w, n.pad_left, n.pad_bottom, n.pad_right}) w.i64(v);
}

void decode_wide_window(ByteReader& r, GraphNode& n, const std::string& what) {
  for (int64_t* v : {&n.kernel_w, &n.stride_w, &n.pad_left, &n.pad_bottom, &n.pad_right}) *v = r.i64("window size");
  // One encoding per graph: a square window must use the short form (its fingerprint
  // names the model).
  if (n.kernel_w == 0 || graph_window(n).is_square())
    throw Error(what + ": " + node_text(n) + ": a square window in the wide form");
}

}  // namespace

void encode_graph(ByteWriter& w, const ModelGraph& graph) {
  w.u32(static_cast<uint32_t>(graph.nodes.size()));
  for (const GraphNode& n : graph.nodes) {
    w.str(n.name);
    // A window that is not square sets kWideWindow in the kind byte and stores its W
    // fields after the square ones; square windows encode as before the flag existed.
    const bool wide = n.kernel_w != 0;
    w.u8(static_cast<uint8_t>(static_cast<uint8_t>(n.kind) | (wide ? kWideWindow : 0)));
    w.u32(static_cast<uint32_t>(n.inputs.size()));
    for (int i : n.inputs) w.u32(static_cast<uint32_t>(i + 1));  // 0: the image
    switch (n.kind) {
      case LayerKind::Conv2d:
        for (int64_t v : {n.in, n.out, n.kernel, n.stride, n.padding, n.groups}) w.i64(v);
        w.u8(n.bias ? 1 : 0);
        if (wide) encode_wide_window(w, n);
        break;
      case LayerKind::Linear:
        w.i64(n.in);
        w.i64(n.out);
        w.u8(n.bias ? 1 : 0);
        break;
      case LayerKind::BatchNorm:
        w.i64(n.in);
        w.f32(n.momentum);
        w.f32(n.eps);
        break;
      case LayerKind::ReLU:
        w.f32(n.cap);
        break;
      case LayerKind::AvgPool:
      case LayerKind::MaxPool:
        for (int64_t v : {n.kernel, n.stride, n.padding}) w.i64(v);
        if (n.kind == LayerKind::AvgPool) w.u8(n.count_include_pad ? 1 : 0);
        if (wide) encode_wide_window(w, n);
        break;
      default:
        break;
    }
  }
}

ModelGraph decode_graph(ByteReader& r, const std::string& what, int64_t max_parameters) {
  ModelGraph g;
  const uint32_t count = r.u32("graph node count");
  if (count == 0 || count > kMaxGraphNodes)
    throw Error(what + ": graph of " + std::to_string(count) + " nodes, expected 1.." + std::to_string(kMaxGraphNodes));
  std::set<std::string> names;
  for (uint32_t i = 0; i < count; ++i) {
    GraphNode n;
    n.name = r.str("graph node name");
    if (n.name.empty() || n.name.size() > kMaxGraphNameBytes)
      throw Error(what + ": graph node " + std::to_string(i) + " has a name of " + std::to_string(n.name.size()) +
                  " bytes, expected 1.." + std::to_string(kMaxGraphNameBytes));
    uint8_t kind = r.u8("graph node kind");
    const bool wide = (kind & kWideWindow) != 0;
    kind = static_cast<uint8_t>(kind & ~kWideWindow);
    if (kind >= static_cast<uint8_t>(LayerKind::FakeQuant))
      throw Error(what + ": graph node '" + n.name.substr(0, 64) + "' has kind " + std::to_string(kind) +
                  ", expected 0.." + std::to_string(static_cast<int>(LayerKind::FakeQuant) - 1));
    n.kind = static_cast<LayerKind>(kind);
    // Only a windowed node writes the flag; accepted elsewhere, the node would load and
    // save back to other bytes (found by the fuzz target decode_checkpoint).
    const bool windowed = n.kind == LayerKind::Conv2d || n.kind == LayerKind::AvgPool || n.kind == LayerKind::MaxPool;
    if (wide && !windowed)
      throw Error(what + ": graph node '" + n.name.substr(0, 64) + "' of kind " + std::to_string(kind) +
                  " has the wide-window flag, which only a convolution or pooling node carries");
    if (!names.insert(n.name).second) throw Error(what + ": graph node name '" + n.name.substr(0, 64) + "' repeated");
    const uint32_t inputs = r.u32("graph node input count");
    if (inputs != input_count(n.kind))
      throw Error(what + ": " + node_text(n) + " has " + std::to_string(inputs) + " inputs, expected " +
                  std::to_string(input_count(n.kind)));
    for (uint32_t k = 0; k < inputs; ++k) {
      const uint32_t v = r.u32("graph node input");
      if (v > i)
        throw Error(what + ": " + node_text(n) + " reads node " + std::to_string(v) + " - 1, not an earlier one");
      n.inputs.push_back(static_cast<int>(v) - 1);
    }
    switch (n.kind) {
      case LayerKind::Conv2d:
        for (int64_t* v : {&n.in, &n.out, &n.kernel, &n.stride, &n.padding, &n.groups}) *v = r.i64("conv size");
        n.bias = r.flag("conv bias flag");
        if (wide) decode_wide_window(r, n, what);
        break;
      case LayerKind::Linear:
        n.in = r.i64("linear in features");
        n.out = r.i64("linear out features");
        n.bias = r.flag("linear bias flag");
        break;
      case LayerKind::BatchNorm:
        n.in = r.i64("batchnorm channels");
        n.momentum = r.f32("batchnorm momentum");
        n.eps = r.f32("batchnorm eps");
        break;
      case LayerKind::ReLU:
        n.cap = r.f32("relu cap");
        break;
      case LayerKind::AvgPool:
      case LayerKind::MaxPool:
        for (int64_t* v : {&n.kernel, &n.stride, &n.padding}) *v = r.i64("pool size");
        if (n.kind == LayerKind::AvgPool) n.count_include_pad = r.flag("avgpool count_include_pad flag");
        if (wide) decode_wide_window(r, n, what);
        break;
      default:
        if (wide) throw Error(what + ": " + node_text(n) + " has a window flag, but no window");
        break;
    }
    try {
      check_graph_node(n);
    } catch (const Error& e) {
      throw Error(what + ": " + e.what());
    }
    g.nodes.push_back(std::move(n));
    // Checked node by node, before anything is allocated for the layers.
    const int64_t params = graph_parameter_count(g, max_parameters);
    if (params > max_parameters)
      throw Error(what + ": the graph has more parameters than the file holds values (more than " +
                  std::to_string(max_parameters) + ")");
  }
  return g;
}

}  // namespace mpq
