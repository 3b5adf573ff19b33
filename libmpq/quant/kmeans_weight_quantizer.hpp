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

// Wraps a Conv2d or Linear whose weights are codebook[codes]: the trainable parameters are
// the codebook ("codebook", 2^bits centroids, no weight decay) and the bias (float: the
// layer has no uniform grid to round it to); the codes are a buffer ("codes", the weights'
// shape), fixed when the layer is built from the float weights (kmeans_cluster) and restored
// from checkpoints. As in HAQ and Deep Compression, a centroid's gradient is the sum of the
// gradients of the weights that share it:
//   dL/dc_k = sum over i with codes[i] == k of dL/dw_i,
// which is exact here because the weights are that function of the codebook.
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
  std::vector<std::pair<std::string, Tensor*>> buffers() override { return {{"codes", &codes_}}; }
  int64_t macs(const std::vector<Shape>& inputs) const override { return inner_->macs(inputs); }

  int bits() const { return bits_; }
  Parameter& codebook() { return codebook_; }
  const Tensor& codes() const { return codes_; }
  Layer& inner() { return *inner_; }
  // Writes codebook[codes] into the inner layer's weights (forward does it too). Throws
  // Error when a code is not an integer in [0, 2^bits) (a damaged checkpoint).
  void refresh();

 private:
  std::unique_ptr<Layer> inner_;
  Parameter* inner_weight_;
  Parameter* inner_bias_ = nullptr;
  Parameter codebook_;
  Tensor codes_;
  int bits_;
};

}  // namespace mpq
