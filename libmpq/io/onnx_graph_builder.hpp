// Maps ONNX nodes, one at a time in graph order, to the nodes of a stored graph
// (nn/model_graph.hpp) and their weights. Internal to io/onnx_import.cpp.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include <memory>

#include "libmpq/io/onnx_tensors.hpp"
#include "libmpq/nn/checkpoint.hpp"
#include "libmpq/nn/model_graph.hpp"

namespace mpq::onnx_io {

// "1x3x224x224" ("scalar" when empty), for messages about dims, pads and kernel shapes.
std::string dims_text(const std::vector<int64_t>& v);

// An ONNX value as the import sees it.
struct Value {
  enum class Kind { activation, constant, padded };
  Kind kind = Kind::activation;
  // activation, padded: the stored-graph node producing it (Model::kInput: the image) and
  // its ONNX shape C x H x W without the batch. flat: the node's output is [N, C]
  // (after global pooling or a classifier; H and W are 1).
  int node = -1;
  int64_t c = 0, h = 0, w = 0;
  bool flat = false;
  int rank = 4;  // ONNX's rank: 4, or 2 after Flatten or a classifier (what Shape reports)
  // padded: zeros a Pad node adds around it, to fold into the conv or pool that reads it.
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  // constant: an initializer or a Constant node's tensor (lives in the parsed model), or
  // one computed from constants (owned here).
  const onnx::TensorProto* tensor = nullptr;
  std::shared_ptr<onnx::TensorProto> owned;
};

// Weights of one stored-graph node in the project's layouts, filled into the model last.
struct NodeWeights {
  std::vector<float> weight, bias;                 // conv (OHWI), linear ([out, in])
  std::vector<float> gamma, beta, mean, variance;  // batch norm
};

class OnnxGraphBuilder {
 public:
  OnnxGraphBuilder(const onnx::GraphProto& graph, int64_t opset, std::string what);
  void set_input(const std::string& name, int64_t c, int64_t h, int64_t w);
  // Throws Error naming the node, its op type and what is unsupported.
  void map_node(int index);
  // The checkpoint of the graph whose output is `output` (class scores; `classes` 0: any).
  Checkpoint finish(const std::string& output, int64_t classes);

 private:
  const onnx::GraphProto& graph_;
  int64_t opset_;
  std::string what_;
  int64_t in_c_ = 0, in_h_ = 0, in_w_ = 0;
  std::map<std::string, Value> values_;
  std::set<int> folded_;  // ONNX nodes already mapped with an earlier one (MatMul's bias Add)
  std::set<std::string> names_;
  ModelGraph out_;
  std::vector<NodeWeights> weights_;

  // Current node, for messages.
  const onnx::NodeProto* node_ = nullptr;
  int index_ = 0;

  [[noreturn]] void unsupported(const std::string& problem) const;
  const Value& value(const std::string& name) const;
  const Value& activation_input(int i) const;  // refuses constants and unfolded Pads
  const onnx::TensorProto& constant_input(int i) const;
  bool has_input(int i) const;
  int add(GraphNode node, NodeWeights weights);
  void set_output(const Value& v);

  void map_conv();
  void map_batch_norm();
  void map_relu_or_clip();
  void map_add();
  void map_global_average_pool();
  void map_pool();
  void map_pad();
  void map_flatten();
  void map_linear();
  void map_shape();
  void map_folded();
  Value flattened(const Value& v);
  // Spatial attributes shared by Conv and the pools: strides, dilations 1, explicit or
  // SAME pads, plus the zeros of a folded Pad. `own_padding`: whether the node's own
  // attributes pad at all (before a folded Pad's zeros).
  Window2d window(const Value& in, int64_t kh, int64_t kw, bool& own_padding);
};

}  // namespace mpq::onnx_io
