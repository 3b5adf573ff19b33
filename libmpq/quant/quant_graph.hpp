// quant: everything between a float model and an integer one: the graph of integer
// ops a model becomes, bit-width policies, BN folding, fake-quantization layers for
// quantization-aware fine-tuning, and (later) the converter to the integer blob.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libmpq/nn/model.hpp"
#include "libmpq/nn/window2d.hpp"

namespace mpq {

// The integer ops a float model turns into, in execution order. A conv op absorbs the
// BatchNorm and ReLU/ReLU6 that follow its conv node; a linear op is the classifier;
// an add op is a residual sum; an avgpool op is the global average pooling, a maxpool and
// an avgpool2d op pooling over a window. The three pooling ops' outputs keep their input's
// bits and grid (so they are not policy decisions): the largest code, or the rounded mean
// of codes, is a code of that grid.
enum class QOpKind : int { conv, depthwise, fc, add, avgpool, maxpool, avgpool2d, Count };
constexpr int kQOpKindCount = static_cast<int>(QOpKind::Count);
const char* qop_kind_name(QOpKind kind);

struct QOp {
  static constexpr int kInput = -1;  // the network input

  std::string name;  // the float node it comes from (conv, linear, add or pool)
  QOpKind kind = QOpKind::conv;
  std::vector<int> inputs;  // indices of earlier ops, or kInput
  int64_t in_h = 1, in_w = 1, in_c = 1;
  int64_t out_h = 1, out_w = 1, out_c = 1;
  Window2d window;  // conv, depthwise, maxpool, avgpool2d: kernel and stride per axis, padding per side
  bool count_include_pad = true;  // avgpool2d: padding counts in the divisor
  // Float nodes covered: the conv/linear node, its BN (-1 if none), its activation (-1).
  int main_node = -1, bn_node = -1, act_node = -1;
  // Output after ReLU (cap = +inf) or ReLU6 (cap = 6): unsigned with zero point 0 and a
  // PACT clip. Otherwise (projection convs, adds, logits) the output can be negative and
  // carries a zero point.
  bool relu_output = false;
  float relu_cap = 0.f;
  // Index of this op's decision in a policy (w_bits / a_bits); -1 for the pooling ops.
  int decision = -1;

  bool has_weights() const { return kind == QOpKind::conv || kind == QOpKind::depthwise || kind == QOpKind::fc; }
  // The pooling ops: their output is on their input's grid.
  bool keeps_input_grid() const {
    return kind == QOpKind::avgpool || kind == QOpKind::maxpool || kind == QOpKind::avgpool2d;
  }
  int64_t weight_count() const;  // elements of the weight tensor (0 without weights)
  int64_t macs() const;
};

struct QuantGraph {
  ModelSpec spec;
  std::vector<QOp> ops;
  std::vector<int> decision_ops;  // op index of each policy decision, in order

  // Last op index reading each op's output (for buffer lifetimes); -1 if unread.
  std::vector<int> last_reader() const;
};

// Derives the op graph of a model built by build_model (or any graph of Conv2d, BN,
// ReLU, Add, Pool2d, GlobalAvgPool and Linear nodes with that structure). Throws Error naming
// the node when the graph has a shape the integer runtime does not support.
QuantGraph build_quant_graph(const Model& model);

}  // namespace mpq
