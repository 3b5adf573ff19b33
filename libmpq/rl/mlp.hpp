// rl: a DDPG agent (actor-critic MLPs, target networks, replay buffer, exploration noise)
// for continuous actions in [0, 1], built on nn's Linear, ReLU and Adam. It knows nothing
// about quantization: the search turns its actions into bit-widths.
#pragma once

#include <cstdint>
#include <vector>

#include "libmpq/core/byte_io.hpp"
#include "libmpq/core/rng.hpp"
#include "libmpq/nn/linear.hpp"
#include "libmpq/nn/relu.hpp"

namespace mpq {

enum class OutputActivation { None, Sigmoid };

// A multi-layer perceptron on [N, in] batches: Linear, ReLU, ..., Linear, then the output
// activation. Layer sizes are fixed at construction; copies are deep, but parameters()
// points into this object, so optimizers must be built on an Mlp that no longer moves.
class Mlp {
 public:
  // hidden may be empty (a single Linear). All sizes must be positive.
  Mlp(int64_t in_features, const std::vector<int64_t>& hidden, int64_t out_features,
      OutputActivation activation = OutputActivation::None);

  // The DDPG paper's initialization (HAQ's too, up to details in docs/rl.md): hidden
  // layers' weights and biases uniform in +-1/sqrt(fan_in); the last layer's in
  // +-last_layer_range, so the first outputs are near 0 (the sigmoid's midpoint for the
  // actor).
  void reset_parameters(Rng& rng, float last_layer_range = 3e-3f);

  // Requires input [N, in_features]. Returns [N, out_features], valid until the next
  // forward; caches what backward needs.
  const Tensor& forward(const Tensor& input);
  // After forward on the same batch: ACCUMULATES the parameters' gradients of a loss
  // whose output gradient is grad_output, and OVERWRITES *grad_input (if not null) with
  // the input gradient.
  void backward(const Tensor& grad_output, Tensor* grad_input);
  // Like backward but only the input gradient: the parameters' gradients are untouched
  // (the actor's update differentiates the critic with respect to its input only).
  void input_gradient(const Tensor& grad_output, Tensor& grad_input);

  std::vector<Parameter*> parameters();
  void zero_grad();

  // Requires the same layer sizes (throws Error otherwise). copy_from: this = source;
  // soft_update_from: this = tau * source + (1 - tau) * this, per element.
  void copy_from(const Mlp& source);
  void soft_update_from(const Mlp& source, float tau);

  // Layer sizes and every weight and bias, in layer order. load() requires the same
  // sizes and throws Error (naming `what` and the field) on a mismatch or truncation;
  // on error this Mlp is unchanged.
  void save(ByteWriter& out) const;
  void load(ByteReader& in);

  int64_t in_features() const { return sizes_.front(); }
  int64_t out_features() const { return sizes_.back(); }
  const std::vector<int64_t>& layer_sizes() const { return sizes_; }  // in, hidden..., out
  OutputActivation activation() const { return activation_; }

 private:
  void require_same_sizes(const Mlp& other, const char* op) const;

  std::vector<int64_t> sizes_;
  OutputActivation activation_;
  std::vector<Linear> linears_;
  ReLU relu_;
  // Forward cache: inputs_[i] is Linear i's input, pre_[i] its output; output_ is the
  // activation of the last pre_.
  std::vector<Tensor> inputs_, pre_;
  Tensor output_;
  Tensor grad_a_, grad_b_;  // backward scratch, reused to avoid allocation
};

}  // namespace mpq
