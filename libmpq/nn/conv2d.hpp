#pragma once

#include "libmpq/nn/layer.hpp"
#include "libmpq/nn/window2d.hpp"

namespace mpq {

// 2-D convolution over NHWC input with zero padding (any Window2d) and groups (groups ==
// in_channels == out_channels is depthwise). Weight layout [out, kh, kw, in/groups]
// (OHWI), which matches the im2col row order and the integer kernels.
// Fast paths: 1x1 stride 1 (one GEMM over the batch), depthwise (direct loops), and
// im2col + GEMM otherwise.
class Conv2d : public Layer {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, int64_t kernel, int64_t stride, int64_t padding,
         int64_t groups = 1, bool bias = false);
  Conv2d(int64_t in_channels, int64_t out_channels, const Window2d& window, int64_t groups, bool bias);

  LayerKind kind() const override { return LayerKind::Conv2d; }
  std::string describe() const override;
  Shape output_shape(const std::vector<Shape>& inputs) const override;
  void forward(const std::vector<const Tensor*>& inputs, Tensor& output, bool training) override;
  void backward(const std::vector<const Tensor*>& inputs, const Tensor& output, const Tensor& grad_output,
                const std::vector<Tensor*>& grad_inputs) override;
  std::vector<Parameter*> parameters() override;
  int64_t macs(const std::vector<Shape>& inputs) const override;
  // Kaiming normal, fan_out mode (as torchvision initializes MobileNets); bias zero.
  void reset_parameters(Rng& rng) override;

  bool is_depthwise() const { return groups_ == in_channels_ && groups_ == out_channels_ && groups_ > 1; }
  bool has_bias() const { return has_bias_; }
  int64_t in_channels() const { return in_channels_; }
  int64_t out_channels() const { return out_channels_; }
  const Window2d& window() const { return window_; }
  // The square window's numbers (H axis, top padding): callers that handle only square
  // windows check window().is_square() first.
  int64_t kernel() const { return window_.kh; }
  int64_t stride() const { return window_.sh; }
  int64_t padding() const { return window_.top; }
  int64_t groups() const { return groups_; }

  Parameter weight;  // [out, kh, kw, in/groups]
  Parameter bias;    // [out]; empty when constructed without bias

 private:
  int64_t in_channels_, out_channels_;
  Window2d window_;
  int64_t groups_;
  bool has_bias_;
  // Scratch reused across calls, so training steps do not reallocate big buffers.
  std::vector<float> weight_khwc_;  // depthwise weights as [kh, kw, C]: channel innermost, like NHWC
  std::vector<float> columns_;      // im2col buffers, one slice per parallel chunk
  std::vector<float> partials_;     // per-chunk weight and bias gradient sums, added in chunk order
};

}  // namespace mpq
