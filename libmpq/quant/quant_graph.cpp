#include "libmpq/quant/quant_graph.hpp"

#include <cmath>

#include "libmpq/core/error.hpp"
#include "libmpq/nn/conv2d.hpp"
#include "libmpq/nn/linear.hpp"
#include "libmpq/nn/pool2d.hpp"
#include "libmpq/nn/relu.hpp"

namespace mpq {

const char* qop_kind_name(QOpKind kind) {
  static const char* const names[] = {"conv", "depthwise", "fc", "add", "avgpool", "maxpool", "avgpool2d"};
  static_assert(sizeof(names) / sizeof(names[0]) == kQOpKindCount, "one name per QOpKind");
  return names[static_cast<int>(kind)];
}

int64_t QOp::weight_count() const {
  switch (kind) {
    case QOpKind::conv: return out_c * window.kh * window.kw * in_c;
    case QOpKind::depthwise: return out_c * window.kh * window.kw;
    case QOpKind::fc: return out_c * in_c;
    default: return 0;
  }
}

int64_t QOp::macs() const {
  switch (kind) {
    case QOpKind::conv: return out_h * out_w * out_c * window.kh * window.kw * in_c;
    case QOpKind::depthwise: return out_h * out_w * out_c * window.kh * window.kw;
    case QOpKind::fc: return out_c * in_c;
    default: return 0;
  }
}

std::vector<int> QuantGraph::last_reader() const {
  std::vector<int> last(ops.size(), -1);
  for (size_t i = 0; i < ops.size(); ++i)
    for (int in : ops[i].inputs)
      if (in >= 0) last[static_cast<size_t>(in)] = static_cast<int>(i);
  return last;
}

namespace {

// Number of nodes reading each node's output.
std::vector<int> reader_counts(const Model& m) {
  std::vector<int> n(m.size(), 0);
  for (size_t i = 0; i < m.size(); ++i)
    for (int k : m.node(i).inputs)
      if (k >= 0) ++n[static_cast<size_t>(k)];
  return n;
}

}  // namespace

QuantGraph build_quant_graph(const Model& model) {
  QuantGraph g;
  g.spec = model.spec();
  const auto shapes = model.node_shapes(1);
  const auto readers = reader_counts(model);
  // op_of[node] = index of the op whose output equals that node's output.
  std::vector<int> op_of(model.size(), -2);
  auto op_input = [&](int node_input, const std::string& who) {
    if (node_input == Model::kInput) return QOp::kInput;
    int op = op_of[static_cast<size_t>(node_input)];
    if (op < -1) throw Error("quantization: node '" + who + "' reads '" + model.node(static_cast<size_t>(node_input)).name +
                             "', which is not the output of an integer op");
    return op;
  };
  auto sole_reader = [&](size_t node, LayerKind kind) -> int {
    if (readers[node] != 1) return -1;
    for (size_t j = node + 1; j < model.size(); ++j)
      for (int k : model.node(j).inputs)
        if (k == static_cast<int>(node)) return model.node(j).layer->kind() == kind ? static_cast<int>(j) : -1;
    return -1;
  };

  for (size_t i = 0; i < model.size(); ++i) {
    const Node& node = model.node(i);
    const LayerKind kind = node.layer->kind();
    if (op_of[i] != -2) continue;  // absorbed already
    QOp op;
    op.name = node.name;
    op.main_node = static_cast<int>(i);
    for (int k : node.inputs) op.inputs.push_back(op_input(k, node.name));
    Shape in = model.node_input_shapes(static_cast<int>(i), shapes)[0];
    const Shape& out = shapes[i];
    if (in.size() == 4) {
      op.in_h = in[1];
      op.in_w = in[2];
      op.in_c = in[3];
    } else {
      op.in_c = in[1];
    }
    if (kind == LayerKind::Conv2d) {
      const auto* conv_ptr = dynamic_cast<const Conv2d*>(node.layer.get());
      if (!conv_ptr) throw Error("quantization: node '" + node.name + "' is not a float Conv2d");
      const auto& conv = *conv_ptr;
      if (conv.groups() != 1 && !conv.is_depthwise())
        throw Error("quantization: node '" + node.name + "' is a grouped convolution; the integer runtime supports "
                    "groups 1 or depthwise only");
      op.kind = conv.is_depthwise() ? QOpKind::depthwise : QOpKind::conv;
      op.window = conv.window();
    } else if (kind == LayerKind::Linear) {
      op.kind = QOpKind::fc;
    } else if (kind == LayerKind::Add) {
      op.kind = QOpKind::add;
    } else if (kind == LayerKind::GlobalAvgPool) {
      op.kind = QOpKind::avgpool;
    } else if (kind == LayerKind::MaxPool || kind == LayerKind::AvgPool) {
      const auto* pool = dynamic_cast<const Pool2d*>(node.layer.get());
      if (!pool) throw Error("quantization: node '" + node.name + "' is not a float Pool2d");
      op.kind = kind == LayerKind::MaxPool ? QOpKind::maxpool : QOpKind::avgpool2d;
      op.window = pool->window();
      op.count_include_pad = pool->count_include_pad();
    } else {
      throw Error("quantization: node '" + node.name + "' (" + layer_kind_name(kind) +
                  ") does not follow a convolution; the integer runtime cannot run it on its own");
    }
    size_t last = i;
    if (op.kind == QOpKind::conv || op.kind == QOpKind::depthwise) {
      int bn = sole_reader(last, LayerKind::BatchNorm);
      if (bn >= 0) {
        op.bn_node = bn;
        last = static_cast<size_t>(bn);
      }
    }
    if (!op.keeps_input_grid()) {
      int act = sole_reader(last, LayerKind::ReLU);
      if (act >= 0) {
        op.act_node = act;
        op.relu_output = true;
        op.relu_cap = dynamic_cast<const ReLU&>(*model.node(static_cast<size_t>(act)).layer).cap();
        last = static_cast<size_t>(act);
      }
    }
    const Shape& final_out = shapes[last];
    if (final_out.size() == 4) {
      op.out_h = final_out[1];
      op.out_w = final_out[2];
      op.out_c = final_out[3];
    } else {
      op.out_c = final_out[1];
    }
    (void)out;
    const int index = static_cast<int>(g.ops.size());
    if (!op.keeps_input_grid()) {
      op.decision = static_cast<int>(g.decision_ops.size());
      g.decision_ops.push_back(index);
    } else if (op.kind == QOpKind::avgpool && op.inputs[0] == QOp::kInput) {
      throw Error("quantization: global pooling of the network input is not supported");
    }
    g.ops.push_back(op);
    op_of[i] = index;
    if (op.bn_node >= 0) op_of[static_cast<size_t>(op.bn_node)] = index;
    if (op.act_node >= 0) op_of[static_cast<size_t>(op.act_node)] = index;
  }
  require(!g.ops.empty() && g.ops.back().kind == QOpKind::fc,
          "quantization: the model must end with a linear classifier");
  return g;
}

}  // namespace mpq
