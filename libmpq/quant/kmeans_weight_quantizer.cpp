#include "libmpq/quant/kmeans_weight_quantizer.hpp"

#include <algorithm>
#include <cmath>

#include "libmpq/core/error.hpp"

namespace mpq {

int32_t nearest_centroid(float w, const std::vector<float>& c) {
  // The nearest is the first centroid >= w or the one before it.
  const auto it = std::lower_bound(c.begin(), c.end(), w);
  int32_t i = static_cast<int32_t>(it - c.begin());
  if (i == static_cast<int32_t>(c.size())) return i - 1;
  if (i > 0 && std::abs(w - c[static_cast<size_t>(i - 1)]) <= std::abs(w - c[static_cast<size_t>(i)])) --i;
  // Equal centroids (empty clusters that met) tie: the lowest index of the run.
  while (i > 0 && c[static_cast<size_t>(i - 1)] == c[static_cast<size_t>(i)]) --i;
  return i;
}

KmeansCodebook kmeans_cluster(const float* w, int64_t n, int bits, int max_iterations) {
  require(bits >= 1 && bits <= 8, "k-means: bits must be 1..8");
  require(n >= 1, "k-means: no weights to cluster");
  const size_t k = size_t{1} << bits;
  std::vector<float> sorted(w, w + n);
  std::sort(sorted.begin(), sorted.end());
  // Prefix sums make each cluster's mean O(1) once its range in the sorted weights is known.
  std::vector<double> prefix(sorted.size() + 1, 0.0);
  for (size_t i = 0; i < sorted.size(); ++i) prefix[i + 1] = prefix[i] + static_cast<double>(sorted[i]);
  const float lo = sorted.front(), hi = sorted.back();
  KmeansCodebook out;
  out.centroids.resize(k);
  for (size_t j = 0; j < k; ++j)
    out.centroids[j] = lo + (hi - lo) * static_cast<float>(j) / static_cast<float>(k - 1);
  for (int it = 0; it < max_iterations; ++it) {
    bool moved = false;
    size_t begin = 0;
    std::vector<float> next = out.centroids;
    for (size_t j = 0; j < k; ++j) {
      // Cluster j: the sorted weights up to the midpoint with the next centroid.
      size_t end = sorted.size();
      if (j + 1 < k) {
        const float mid = 0.5f * (out.centroids[j] + out.centroids[j + 1]);
        const auto from = sorted.begin() + static_cast<std::ptrdiff_t>(begin);
        end = static_cast<size_t>(std::upper_bound(from, sorted.end(), mid) - sorted.begin());
      }
      if (end > begin) {
        next[j] = static_cast<float>((prefix[end] - prefix[begin]) / static_cast<double>(end - begin));
        moved = moved || next[j] != out.centroids[j];
      }
      begin = end;
    }
    // A mean lies inside its cell, so the order holds; sorting guards float rounding.
    std::sort(next.begin(), next.end());
    out.centroids = next;
    if (!moved) break;
  }
  out.codes.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) out.codes[static_cast<size_t>(i)] = nearest_centroid(w[i], out.centroids);
  return out;
}

KmeansWeightQuantized::KmeansWeightQuantized(std::unique_ptr<Layer> inner, int bits)
    : inner_(std::move(inner)), bits_(bits) {
  require(bits == 2 || bits == 4 || bits == 8, "k-means weight quantizer: bits must be 2, 4 or 8");
  auto params = inner_->parameters();
  require(!params.empty() && params[0]->name == "weight", "k-means weight quantizer: the inner layer has no 'weight'");
  inner_weight_ = params[0];
  if (params.size() > 1) inner_bias_ = params[1];
  const Tensor& w = inner_weight_->value;
  const int64_t channels = w.dim(0), per_channel = w.size() / channels;
  scales_ = Tensor({channels});
  std::vector<float> normalized(static_cast<size_t>(w.size()));
  for (int64_t o = 0; o < channels; ++o) {
    float m = 0.f;
    for (int64_t k = 0; k < per_channel; ++k) m = std::max(m, std::abs(w[o * per_channel + k]));
    scales_[o] = m > 0.f ? m : 1.f;  // an all-zero channel: any scale represents it
    for (int64_t k = 0; k < per_channel; ++k)
      normalized[static_cast<size_t>(o * per_channel + k)] = w[o * per_channel + k] / scales_[o];
  }
  const KmeansCodebook cb = kmeans_cluster(normalized.data(), w.size(), bits_);
  codebook_ = Parameter("codebook", {static_cast<int64_t>(cb.centroids.size())}, /*decay=*/false);
  // One over the mean cluster size: a centroid then moves about as far as the mean of its
  // weights would under plain SGD. With the summed gradient at the fine-tune's rate the
  // default model at 2 bits fell to chance within the first batches.
  codebook_.lr_scale = std::min(1.f, static_cast<float>(cb.centroids.size()) / static_cast<float>(w.size()));
  for (size_t j = 0; j < cb.centroids.size(); ++j) codebook_.value[static_cast<int64_t>(j)] = cb.centroids[j];
  codes_ = Tensor(w.shape());
  for (size_t i = 0; i < cb.codes.size(); ++i) codes_[static_cast<int64_t>(i)] = static_cast<float>(cb.codes[i]);
  refresh();
}

std::string KmeansWeightQuantized::describe() const {
  return "w" + std::to_string(bits_) + " k-means " + inner_->describe();
}

void KmeansWeightQuantized::refresh() {
  const int64_t k = codebook_.value.size();
  require(codes_.size() == inner_weight_->value.size(), "k-means weight quantizer: codes do not match the weights");
  const int64_t channels = scales_.size(), per_channel = codes_.size() / channels;
  for (int64_t o = 0; o < channels; ++o)
    if (!(scales_[o] > 0.f && std::isfinite(scales_[o])))
      throw Error("k-means weight quantizer: scale " + std::to_string(scales_[o]) + " of channel " + std::to_string(o) +
                  ", expected a positive finite number");
  for (int64_t i = 0; i < codes_.size(); ++i) {
    const float c = codes_[i];
    if (!(c >= 0.f && c < static_cast<float>(k) && c == std::floor(c)))
      throw Error("k-means weight quantizer: code " + std::to_string(c) + " at " + std::to_string(i) +
                  ", expected an integer in 0.." + std::to_string(k - 1));
    inner_weight_->value[i] = scales_[i / per_channel] * codebook_.value[static_cast<int64_t>(c)];
  }
}

void KmeansWeightQuantized::forward(const std::vector<const Tensor*>& inputs, Tensor& output, bool training) {
  refresh();
  inner_->forward(inputs, output, training);
}

void KmeansWeightQuantized::backward(const std::vector<const Tensor*>& inputs, const Tensor& output,
                                     const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) {
  // The inner weight is not a parameter of the model (nothing else clears its gradient);
  // the inner bias is, and accumulates directly.
  inner_weight_->grad.zero();
  inner_->backward(inputs, output, grad_output, grad_inputs);
  std::vector<double> sums(static_cast<size_t>(codebook_.value.size()), 0.0);
  const int64_t per_channel = codes_.size() / scales_.size();
  for (int64_t i = 0; i < codes_.size(); ++i)
    sums[static_cast<size_t>(codes_[i])] +=
        static_cast<double>(scales_[i / per_channel]) * static_cast<double>(inner_weight_->grad[i]);
  for (size_t j = 0; j < sums.size(); ++j) codebook_.grad[static_cast<int64_t>(j)] += static_cast<float>(sums[j]);
}

std::vector<Parameter*> KmeansWeightQuantized::parameters() {
  std::vector<Parameter*> out{&codebook_};
  if (inner_bias_) out.push_back(inner_bias_);
  return out;
}

}  // namespace mpq
