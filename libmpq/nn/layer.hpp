// nn: layers with explicit forward and backward, the model graph, the model builders
// (MobileNetV1/V2, MNasNet), losses, optimizers and checkpoints. Activations are NHWC
// float tensors (see tensor/tensor.hpp).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "libmpq/core/rng.hpp"
#include "libmpq/tensor/tensor.hpp"

namespace mpq {

// A trainable tensor and its gradient (same shape). Gradients accumulate across
// backward calls until the optimizer or Model::zero_grad clears them.
struct Parameter {
  std::string name;  // "weight", "bias", "gamma", "beta", ...
  Tensor value;
  Tensor grad;
  bool weight_decay = true;  // false for biases and BN parameters
  // The optimizers' learning rate for this parameter is lr * lr_scale: a k-means codebook
  // (libmpq/quant) takes gradients summed over thousands of weights per entry.
  float lr_scale = 1.f;

  Parameter() = default;
  Parameter(std::string n, Shape shape, bool decay = true)
      : name(std::move(n)), value(shape), grad(shape), weight_decay(decay) {}
};

// Every op the graph knows. Tables indexed by kind static_assert on kLayerKindCount, so
// adding a kind forces each of them to be updated.
enum class LayerKind : int {
  Conv2d,
  BatchNorm,
  ReLU,       // also ReLU6: a ReLU with a cap
  AvgPool,
  MaxPool,
  GlobalAvgPool,
  Linear,
  Add,
  FakeQuant,  // reserved for the quantization issue
  Count
};
constexpr int kLayerKindCount = static_cast<int>(LayerKind::Count);
const char* layer_kind_name(LayerKind kind);

// A node's op. Contract:
// - inputs are NHWC tensors with the batch first (rank 4), or [N, C] for Linear;
// - forward() resizes `output` to output_shape() and fills it; it may cache what
//   backward() needs (one forward per backward, same batch);
// - backward() OVERWRITES each non-null grad_inputs[i] (resized to inputs[i]'s shape)
//   and ACCUMULATES into its parameters' grads;
// - results are deterministic for a given thread count (see parallel_for).
class Layer {
 public:
  virtual ~Layer() = default;
  virtual LayerKind kind() const = 0;
  // Short human-readable configuration, e.g. "3x3/2 16->32 g1".
  virtual std::string describe() const = 0;
  // Output shape for the given input shapes; throws Error naming the mismatch.
  virtual Shape output_shape(const std::vector<Shape>& inputs) const = 0;
  virtual void forward(const std::vector<const Tensor*>& inputs, Tensor& output, bool training) = 0;
  virtual void backward(const std::vector<const Tensor*>& inputs, const Tensor& output, const Tensor& grad_output,
                        const std::vector<Tensor*>& grad_inputs) = 0;
  virtual std::vector<Parameter*> parameters() { return {}; }
  // Non-trainable state saved in checkpoints (BN running statistics).
  virtual std::vector<std::pair<std::string, Tensor*>> buffers() { return {}; }
  // Data-parallel training (train/sharded_step) cuts a batch into shards, one pass each,
  // and moves the running state once per batch from the statistics of the whole batch:
  // batch_statistics() is what the last training forward drew from its input to move the
  // buffers with (empty: nothing), and update_running_state() moves them once from every
  // shard's batch_statistics(), combined in shard order, the same on every rank.
  virtual std::vector<double> batch_statistics() const { return {}; }
  virtual void update_running_state(const std::vector<const double*>& /*shards*/) {}
  // Multiply-accumulates for ONE image (batch dimension ignored).
  virtual int64_t macs(const std::vector<Shape>& /*inputs*/) const { return 0; }
  // Fresh initial values for the parameters (and buffers), drawn from rng.
  virtual void reset_parameters(Rng& /*rng*/) {}
};

}  // namespace mpq
