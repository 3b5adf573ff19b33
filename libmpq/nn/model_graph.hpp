#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "libmpq/nn/model.hpp"
#include "libmpq/nn/window2d.hpp"

namespace mpq {

class ByteReader;
class ByteWriter;

// One node of a stored graph: its name, its layer's kind and configuration, and the
// nodes it reads. Fields a kind does not use keep their defaults (so that an encoding
// is canonical):
//   Conv2d     in, out, kernel, stride, padding, groups, bias (+ the window's W fields)
//   Linear     in, out, bias
//   BatchNorm  in (channels), momentum, eps
//   ReLU       cap (+inf: ReLU, 6: ReLU6)
//   AvgPool    kernel, stride, padding, count_include_pad (+ the window's W fields)
//   MaxPool    kernel, stride, padding (+ the window's W fields)
// kernel, stride and padding are a square window's; a window that is not square
// (Window2d::is_square) also sets kernel_w, stride_w, pad_left, pad_bottom and
// pad_right, which otherwise stay 0 (kernel, stride and padding are then its H axis and
// top side). Use graph_window / set_graph_window.
//   GlobalAvgPool, Add  nothing
struct GraphNode {
  std::string name;
  LayerKind kind = LayerKind::Conv2d;
  std::vector<int> inputs;  // earlier node indices, or Model::kInput for the image
  int64_t in = 0, out = 0, kernel = 0, stride = 0, padding = 0, groups = 0;
  int64_t kernel_w = 0, stride_w = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  bool bias = false;
  bool count_include_pad = true;  // AvgPool: divide by the whole window, padding included
  float cap = std::numeric_limits<float>::infinity();
  float momentum = 0.f, eps = 0.f;
};

// A conv's or pool's window from the node's fields, and back (canonically).
Window2d graph_window(const GraphNode& node);
void set_graph_window(GraphNode& node, const Window2d& window);

// A model's graph as data, for models that no builder knows by name (ONNX imports).
// Parameters are not part of it: a checkpoint stores them beside it as usual.
struct ModelGraph {
  std::vector<GraphNode> nodes;
};

// Bounds on a stored graph, whatever file it comes from.
constexpr size_t kMaxGraphNodes = 4096;
constexpr size_t kMaxGraphNameBytes = 256;
constexpr int64_t kMaxGraphChannels = 65536;
constexpr int64_t kMaxGraphWindow = kMaxInputSide;  // kernel, stride and padding of convs and pools

// Throws Error naming the node when its numbers are out of the bounds above or not a
// layer (e.g. groups not dividing the channels). Allocates nothing.
void check_graph_node(const GraphNode& node);
// The layer a node describes (checked as above), parameters allocated but unset.
std::unique_ptr<Layer> make_graph_layer(const GraphNode& node);

// Parameter values the graph's layers hold (weights, biases, BN scales and shifts),
// stopping once past `limit` (so that the count cannot overflow).
int64_t graph_parameter_count(const ModelGraph& graph, int64_t limit);

// The graph of a model made of the layers above (any model a builder makes); throws
// Error naming a node of another kind.
ModelGraph describe_graph(const Model& model);

// A spec naming `graph` (arch kGraphArch), its fingerprint set, input and classes given.
ModelSpec graph_model_spec(ModelGraph graph, int64_t in_channels, int64_t in_height, int64_t in_width,
                           int64_t classes);

// The model `spec.graph` describes, parameters unset. Throws Error naming `what` and the
// node when the graph does not hold together: bad inputs, shapes that do not chain, or
// a last node whose output is not [N, classes].
Model build_graph_model(const ModelSpec& spec, const std::string& what);

// Binary form inside a checkpoint (docs/file-formats.md). decode_graph checks every
// number against the bounds above and the graph's parameters against `max_parameters`
// (what the rest of the file can hold), so that a damaged file cannot make it allocate
// more than the file's size; it leaves shape checks to build_graph_model.
void encode_graph(ByteWriter& out, const ModelGraph& graph);
ModelGraph decode_graph(ByteReader& in, const std::string& what, int64_t max_parameters);
uint32_t graph_fingerprint(const ModelGraph& graph);

}  // namespace mpq
