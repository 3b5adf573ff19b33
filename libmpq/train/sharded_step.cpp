#include "libmpq/train/sharded_step.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "libmpq/core/error.hpp"
#include "libmpq/dist/ranks.hpp"
#include "libmpq/dist/shard_sum.hpp"

namespace mpq {

namespace {

void copy_buffers(Model& model, std::vector<Tensor>& to) {
  const auto buffers = model.named_buffers();
  to.resize(buffers.size());
  for (size_t i = 0; i < buffers.size(); ++i) to[i] = *buffers[i].second;
}

void restore_buffers(Model& model, const std::vector<Tensor>& from) {
  const auto buffers = model.named_buffers();
  for (size_t i = 0; i < buffers.size(); ++i) *buffers[i].second = from[i];
}

// Rank 0's buffers (shard 0's, since rank 0 holds shard 0) to every rank.
void broadcast_buffers(Model& model) {
  const auto buffers = model.named_buffers();
  std::string bytes;
  if (dist::is_root())
    for (const auto& b : buffers)
      bytes.append(reinterpret_cast<const char*>(b.second->data()),
                   static_cast<size_t>(b.second->size()) * sizeof(float));
  bytes = dist::broadcast(bytes);
  size_t at = 0;
  for (const auto& b : buffers) {
    const size_t n = static_cast<size_t>(b.second->size()) * sizeof(float);
    require(at + n <= bytes.size(), "training: rank 0 sent buffers of another model");
    std::memcpy(b.second->data(), bytes.data() + at, n);
    at += n;
  }
}

// Appends every node's batch_statistics(), each preceded by its length.
void append_statistics(Model& model, std::vector<double>& to) {
  for (size_t i = 0; i < model.size(); ++i) {
    const std::vector<double> s = model.node(i).layer->batch_statistics();
    to.push_back(static_cast<double>(s.size()));
    to.insert(to.end(), s.begin(), s.end());
  }
}

// Moves each reporting layer's buffers from the step's start (`start`, in named_buffers
// order) by every shard's statistics, in shard order.
void update_from_shards(Model& model, const std::vector<Tensor>& start,
                        const std::vector<std::vector<double>>& shards) {
  std::vector<size_t> at(shards.size(), 0);
  std::vector<const double*> values(shards.size());
  size_t buffer = 0;
  for (size_t i = 0; i < model.size(); ++i) {
    Layer& layer = *model.node(i).layer;
    const auto buffers = layer.buffers();
    const double count = shards[0].at(at[0]);
    for (size_t k = 0; k < shards.size(); ++k) {
      const bool same = at[k] < shards[k].size() && shards[k][at[k]] == count &&
                        at[k] + 1 + static_cast<size_t>(count) <= shards[k].size();
      require(same, "training: shard " + std::to_string(k) + " reported other statistics for node '" +
                        model.node(i).name + "'");
      values[k] = shards[k].data() + at[k] + 1;
      at[k] += 1 + static_cast<size_t>(count);
    }
    if (count > 0) {
      for (size_t b = 0; b < buffers.size(); ++b) *buffers[b].second = start[buffer + b];
      layer.update_running_state(values);
    }
    buffer += buffers.size();
  }
}

}  // namespace

ShardedStep::ShardedStep(Model& model, int64_t shards, bool over_ranks)
    : model_(model), shards_(shards), over_ranks_(over_ranks), params_(model.parameters()) {
  require(shards_ >= 1, "training: the batch needs at least one shard");
  for (const Parameter* p : params_) param_floats_ += static_cast<size_t>(p->grad.size());
}

ShardedLoss ShardedStep::run(const Tensor& images, const std::vector<int32_t>& labels, const ShardPass& pass) {
  const int64_t batch = images.dim(0);
  require(shards_ <= batch, "training: " + std::to_string(shards_) + " shards of a batch of " + std::to_string(batch) +
                                " images: each shard needs an image");
  for (Parameter* p : params_) std::fill(p->grad.data(), p->grad.data() + p->grad.size(), 0.f);
  if (shards_ == 1 && (!over_ranks_ || dist::size() == 1)) {
    // One pass over the whole batch, as before shards existed.
    const LossResult l = pass(images, labels, 1.f);
    return {l.loss * static_cast<double>(batch), l.correct};
  }

  const dist::ShardRange mine = over_ranks_ ? dist::shards_of_rank(shards_, dist::rank(), dist::size())
                                            : dist::ShardRange{0, shards_};
  const int64_t per_image = images.size() / batch;
  grads_.assign(static_cast<size_t>(mine.count()) * param_floats_, 0.f);
  std::vector<double> losses(static_cast<size_t>(mine.count()) * 2, 0.0);
  statistics_.clear();
  copy_buffers(model_, start_buffers_);
  for (int64_t k = mine.first; k < mine.last; ++k) {
    const int64_t begin = batch * k / shards_, end = batch * (k + 1) / shards_;
    Shape shape = images.shape();
    shape[0] = end - begin;
    shard_images_.resize(shape);
    std::copy(images.data() + begin * per_image, images.data() + end * per_image, shard_images_.data());
    shard_labels_.assign(labels.begin() + begin, labels.begin() + end);
    if (k > mine.first) restore_buffers(model_, start_buffers_);
    for (Parameter* p : params_) std::fill(p->grad.data(), p->grad.data() + p->grad.size(), 0.f);
    const double share = static_cast<double>(end - begin) / static_cast<double>(batch);
    const LossResult l = pass(shard_images_, shard_labels_, static_cast<float>(share));
    if (k == 0) copy_buffers(model_, first_buffers_);
    append_statistics(model_, statistics_);
    float* out = grads_.data() + static_cast<size_t>(k - mine.first) * param_floats_;
    for (const Parameter* p : params_) out = std::copy(p->grad.data(), p->grad.data() + p->grad.size(), out);
    losses[static_cast<size_t>(k - mine.first) * 2] = l.loss * static_cast<double>(end - begin);
    losses[static_cast<size_t>(k - mine.first) * 2 + 1] = static_cast<double>(l.correct);
  }

  const std::vector<double> sum = dist::sum_in_shard_order(grads_, shards_, param_floats_, over_ranks_);
  size_t at = 0;
  for (Parameter* p : params_)
    for (int64_t i = 0; i < p->grad.size(); ++i) p->grad[i] = static_cast<float>(sum[at++]);
  if (mine.first == 0 && mine.count() > 0) restore_buffers(model_, first_buffers_);
  if (over_ranks_) broadcast_buffers(model_);
  update_from_shards(model_, start_buffers_, dist::every_shard_in_order(statistics_, shards_, over_ranks_));
  const std::vector<double> total = dist::sum_in_shard_order(losses, shards_, 2, over_ranks_);
  return {total[0], static_cast<int64_t>(total[1])};
}

}  // namespace mpq
