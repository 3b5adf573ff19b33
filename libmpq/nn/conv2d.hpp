#pragma once

#include "libmpq/nn/layer.hpp"

namespace mpq {

// 2-D convolution over NHWC input with symmetric zero padding and groups (groups ==
// in_channels == out_channels is depthwise). Weight layout [out, kh, kw, in/groups]
// (OHWI), which matches the im2col row order and the integer kernels.
// Fast paths: 1x1 stride 1 (one GEMM over the batch), depthwise (direct loops), and
// im2col + GEMM otherwise.
class Conv2d : public Layer {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, int64_t kernel, int64_t stride, int64_t padding,
         int64_t groups = 1, bool bias = false);

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
  int64_t kernel() const { return kernel_; }
  int64_t stride() const { return stride_; }
  int64_t padding() const { return padding_; }
  int64_t groups() const { return groups_; }

  Parameter weight;  // [out, k, k, in/groups]
  Parameter bias;    // [out]; empty when constructed without bias

 private:
  int64_t in_channels_, out_channels_, kernel_, stride_, padding_, groups_;
  bool has_bias_;
  // Scratch reused across calls, so training steps do not reallocate big buffers.
  std::vector<float> weight_khwc_;  // depthwise weights as [k, k, C]: channel innermost, like NHWC
  std::vector<float> columns_;      // im2col buffers, one slice per parallel chunk
  std::vector<float> partials_;     // per-chunk weight and bias gradient sums, added in chunk order
};

}  // namespace mpq
