#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "libmpq/nn/layer.hpp"
#include "libmpq/nn/model_spec.hpp"

namespace mpq {

// One op of the graph and where its inputs come from.
struct Node {
  std::string name;             // unique, e.g. "features.3.dw.conv"
  std::unique_ptr<Layer> layer;
  std::vector<int> inputs;      // indices of earlier nodes; Model::kInput is the image batch
};

// A feed-forward graph of layers in execution order (a DAG: residual adds read two
// earlier nodes). The last node's output is the model's output (logits [N, classes]).
// forward() keeps every node's output for backward() and for inspection; infer() keeps
// only what is still to be read, for evaluation at large inputs.
class Model {
 public:
  static constexpr int kInput = -1;

  explicit Model(ModelSpec spec = {}) : spec_(std::move(spec)) {}
  Model(Model&&) = default;
  Model& operator=(Model&&) = default;

  // Appends a node reading `inputs` (default: the previous node, or the image for the
  // first node). Returns its index. Throws Error on a duplicate name or a bad index.
  int add(const std::string& name, std::unique_ptr<Layer> layer, std::vector<int> inputs);
  int add(const std::string& name, std::unique_ptr<Layer> layer);

  // images: [N, H, W, C]. Returns the last node's output.
  const Tensor& forward(const Tensor& images, bool training);
  // forward(images, false) that releases each node's output once the last node reading
  // it has run and reuses that storage for later outputs: memory is the live
  // activations (two or three of them for these models) instead of all of them
  // (MobileNetV1 at 224x224: about 10 instead of about 60 MB per image). The same results as
  // forward(images, false); backward() after it is refused and output_of() is empty for
  // released nodes.
  const Tensor& infer(const Tensor& images);
  // Runs nodes [first, last] in evaluation mode, each writing its output to
  // outputs[node] and reading its inputs from `outputs` (or `images`): the outputs of
  // earlier nodes that they read must be there, the rest of `outputs` may be empty. The
  // same float operations as forward(images, false) for these nodes, so that a caller who
  // changed only nodes from `first` on re-evaluates them from kept activations
  // (correct_channel_statistics). Leaves this model's own buffers alone.
  void forward_nodes(size_t first, size_t last, const Tensor& images, std::vector<Tensor>& outputs);
  // The last node reading each node's output (-1: none, e.g. the model's output).
  std::vector<int> last_readers() const;
  // Frees the activations and gradients kept from the last forward(), infer() or
  // backward() (backward() needs a new forward() afterwards).
  void release_buffers();
  // Backpropagates d(loss)/d(output) of the last forward; accumulates parameter grads.
  void backward(const Tensor& grad_output);

  void zero_grad();
  void reset_parameters(uint64_t seed);

  // "<node>.<param>" names, in node order.
  std::vector<std::pair<std::string, Parameter*>> named_parameters();
  std::vector<Parameter*> parameters();
  std::vector<std::pair<std::string, Tensor*>> named_buffers();
  int64_t parameter_count();

  // Output shape of every node for a batch of `batch` images (validates the graph).
  std::vector<Shape> node_shapes(int64_t batch = 1) const;
  std::vector<Shape> node_input_shapes(int index, const std::vector<Shape>& node_shapes, int64_t batch = 1) const;

  size_t size() const { return nodes_.size(); }
  Node& node(size_t i) { return nodes_[i]; }
  const Node& node(size_t i) const { return nodes_[i]; }
  int find(const std::string& name) const;  // -1 if absent
  const Tensor& output_of(size_t i) const { return outputs_[i]; }
  const ModelSpec& spec() const { return spec_; }
  Shape input_shape() const { return spec_.input_shape(); }

 private:
  ModelSpec spec_;
  std::vector<Node> nodes_;
  void check_input(const Tensor& images) const;

  const Tensor* last_input_ = nullptr;   // null after infer(): no backward
  std::vector<Tensor> outputs_;
  std::vector<Tensor> spare_;            // released outputs whose storage infer() reuses
  std::vector<int> last_reader_;         // infer(): last node reading each node's output
  std::vector<Tensor> grads_;
  std::vector<int> consumers_;  // number of nodes reading each node's output
};

}  // namespace mpq
