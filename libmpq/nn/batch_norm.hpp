#pragma once

#include "libmpq/nn/layer.hpp"

namespace mpq {

// Batch normalization over the channel (last) axis of NHWC input. Training uses batch
// statistics (biased variance to normalize) and updates running statistics with the
// unbiased variance, as PyTorch does: running = (1 - momentum) * running + momentum * batch.
// A batch trained in shards (train/sharded_step) moves them once, by the whole batch's
// mean and unbiased variance.
// Evaluation uses the running statistics.
class BatchNorm : public Layer {
 public:
  explicit BatchNorm(int64_t channels, float momentum = 0.1f, float eps = 1e-5f);

  LayerKind kind() const override { return LayerKind::BatchNorm; }
  std::string describe() const override;
  Shape output_shape(const std::vector<Shape>& inputs) const override;
  void forward(const std::vector<const Tensor*>& inputs, Tensor& output, bool training) override;
  void backward(const std::vector<const Tensor*>& inputs, const Tensor& output, const Tensor& grad_output,
                const std::vector<Tensor*>& grad_inputs) override;
  std::vector<Parameter*> parameters() override;
  std::vector<std::pair<std::string, Tensor*>> buffers() override;
  // The row count, then the per-channel means and sums of squared deviations (M2).
  std::vector<double> batch_statistics() const override;
  // The running statistics of the shards' union: means and M2 merged in shard order
  // (the between-shard term included), then one update as if from one batch.
  void update_running_state(const std::vector<const double*>& shards) override;
  // gamma 1, beta 0, running mean 0, running var 1.
  void reset_parameters(Rng& rng) override;

  int64_t channels() const { return channels_; }
  float eps() const { return eps_; }
  float momentum() const { return momentum_; }

  Parameter gamma;  // [C], no weight decay
  Parameter beta;   // [C], no weight decay
  Tensor running_mean;  // [C]
  Tensor running_var;   // [C]

 private:
  int64_t channels_;
  float momentum_, eps_;
  bool last_forward_training_ = false;
  std::vector<double> last_statistics_;  // batch_statistics() of the last training forward
  void update_running(const double* mean, const double* m2, double rows);
  Tensor saved_mean_, saved_inv_std_;  // statistics the last forward normalized with
  // Scratch reused across calls so that the hot path does not allocate.
  std::vector<float> partials_;  // per-chunk partial sums, summed in chunk order
  std::vector<float> patterns_;  // per-channel vectors repeated to the tile width
  std::vector<double> sums_;     // per-channel totals
};

}  // namespace mpq
