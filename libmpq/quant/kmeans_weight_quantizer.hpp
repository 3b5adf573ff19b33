#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "libmpq/nn/layer.hpp"

namespace mpq {

// Non-uniform weight quantization by k-means (Deep Compression, Han et al. 2016; HAQ's
// non-uniform reference, Wang et al. 2019): the weights of a layer share one codebook of
// 2^bits float centroids, and each weight is stored as the b-bit index of its centroid.
// Fake-quant only: the integer kernels and the blob know uniform grids alone, so a model
// with k-means weights is not integer-deployable (mpq export refuses it). Its FLASH is
// counted by kmeans_flash_bytes (libmpq/mcu/kmeans_flash.hpp).

// A layer's codebook (ascending) and every weight's index into it.
struct KmeansCodebook {
  std::vector<float> centroids;
  std::vector<int32_t> codes;
};

// Index of the centroid nearest to w in an ascending codebook; on a tie the lower index.
int32_t nearest_centroid(float w, const std::vector<float>& centroids);

// One-dimensional k-means (Lloyd) of w[0..n) into 2^bits clusters. Deterministic: the
// centroids start evenly spaced between min(w) and max(w) (Deep Compression's linear
// initialization, which it measured best because it keeps the rare large weights
// represented), an empty cluster keeps its centroid, and iterations stop when no centroid
// moves or after `max_iterations`. Ensures: centroids ascending, codes[i] ==
// nearest_centroid(w[i], centroids).
KmeansCodebook kmeans_cluster(const float* w, int64_t n, int bits, int max_iterations = 50);

// Wraps a Conv2d or Linear whose weights are w_i = scale[o] * codebook[codes[i]] (o the
// output channel of weight i). HAQ clustered the weights of convolutions followed by a
// float BN, whose per-channel multiplier is folded into the weights here: `scale` plays its
// part. It is fixed at max|w| of the channel's folded weights, and a device would fold it
// into the per-channel requantization multiplier the blob already has (no extra FLASH).
// Without it one 4-entry codebook serves channels whose folded weights differ in magnitude
// by orders (measured: the default model at 2 bits fell to chance before fine-tuning).
// The trainable parameters are the codebook ("codebook", 2^bits centroids, no weight
// decay, learning rate scaled by 2^bits / weights: one over the mean cluster size) and the
// bias (float: the layer has no uniform grid to round it to); the codes and
// scales are buffers ("codes", the weights' shape; "scales", one per output channel),
// fixed when the layer is built (kmeans_cluster of w / scale) and restored from
// checkpoints. As in HAQ and Deep Compression, a centroid's gradient is the sum of the
// gradients of the (unscaled) weights that share it:
//   dL/dc_k = sum over i with codes[i] == k of scale[o] * dL/dw_i,
// which is exact because the weights are that function of the codebook.
class KmeansWeightQuantized : public Layer {
 public:
  KmeansWeightQuantized(std::unique_ptr<Layer> inner, int bits);

  LayerKind kind() const override { return inner_->kind(); }
  std::string describe() const override;
  Shape output_shape(const std::vector<Shape>& inputs) const override { return inner_->output_shape(inputs); }
  void forward(const std::vector<const Tensor*>& inputs, Tensor& output, bool training) override;
  void backward(const std::vector<const Tensor*>& inputs, const Tensor& output, const Tensor& grad_output,
                const std::vector<Tensor*>& grad_inputs) override;
  std::vector<Parameter*> parameters() override;
  std::vector<std::pair<std::string, Tensor*>> buffers() override {
    return {{"codes", &codes_}, {"scales", &scales_}};
  }
  int64_t macs(const std::vector<Shape>& inputs) const override { return inner_->macs(inputs); }

  int bits() const { return bits_; }
  Parameter& codebook() { return codebook_; }
  const Tensor& codes() const { return codes_; }
  const Tensor& scales() const { return scales_; }
  Layer& inner() { return *inner_; }
  // Writes scale * codebook[codes] into the inner layer's weights (forward does it too).
  // Throws Error when a code is not an integer in [0, 2^bits) or a scale not positive and
  // finite (a damaged checkpoint).
  void refresh();

 private:
  std::unique_ptr<Layer> inner_;
  Parameter* inner_weight_;
  Parameter* inner_bias_ = nullptr;
  Parameter codebook_;
  Tensor codes_, scales_;
  int bits_;
};

}  // namespace mpq
