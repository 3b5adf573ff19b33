// train: the gradient of one global batch cut into fixed shards, for data-parallel
// training over the ranks of an MPI job (docs/scale-out.md#training-on-ranks).
//
// The batch of B images is cut into `shards` contiguous parts (sizes B/shards, differing
// by at most one). Each shard is one forward and backward pass of its own, with its own
// BatchNorm batch statistics (as each GPU's in PyTorch's DistributedDataParallel); its
// loss gradient is scaled by its share of the batch, so that the shards' gradients add
// up to the gradient of the batch's mean loss. The shards' gradients are added in shard
// order, in double (dist::sum_in_shard_order): one rank computing every shard and N
// ranks computing a range each make the same additions, hence the same model bit for bit.
// What depends on the shard count is the BatchNorm statistics a pass normalizes with,
// not the number of ranks.
//
// Running state that a training forward updates (BatchNorm running mean and variance,
// the EMA ranges of activation quantizers: the model's buffers) moves once per batch, by
// the statistics of the whole batch: every pass starts from the buffers the step started
// with and reports its layers' batch_statistics(); after the passes every rank receives
// every shard's (dist::every_shard_in_order) and each layer moves its buffers from the
// step's start by them all, combined in shard order (Layer::update_running_state): pooled
// means and variances, the least minimum and the largest maximum. With one shard that is
// the pass's own update. Buffers of layers that report no statistics follow shard 0 (rank
// 0 broadcasts them), as DistributedDataParallel broadcasts rank 0's buffers.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "libmpq/nn/model.hpp"
#include "libmpq/nn/softmax_cross_entropy.hpp"

namespace mpq {

struct ShardedLoss {
  double loss_sum = 0;  // sum over the batch's images of the loss
  int64_t correct = 0;
};

// Runs one shard: forward(images), the loss against labels, and backward of its
// gradient times `scale` (the shard's share of the batch); returns the shard's mean loss.
using ShardPass = std::function<LossResult(const Tensor& images, const std::vector<int32_t>& labels, float scale)>;

class ShardedStep {
 public:
  // over_ranks: the shards are spread over dist's ranks (dist::shards_of_rank), else
  // this process computes them all.
  ShardedStep(Model& model, int64_t shards, bool over_ranks);
  // Leaves the batch's gradient in the model's parameter grads (cleared first) and the
  // buffers described above, identical on every rank.
  ShardedLoss run(const Tensor& images, const std::vector<int32_t>& labels, const ShardPass& pass);

 private:
  Model& model_;
  int64_t shards_;
  bool over_ranks_;
  std::vector<Parameter*> params_;
  size_t param_floats_ = 0;
  Tensor shard_images_;
  std::vector<int32_t> shard_labels_;
  std::vector<float> grads_;
  std::vector<double> statistics_;  // per shard of this rank: per node, a count then the values
  std::vector<Tensor> start_buffers_, first_buffers_;
};

}  // namespace mpq
