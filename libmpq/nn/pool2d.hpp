#pragma once

#include "libmpq/nn/layer.hpp"

namespace mpq {

// Average or max pooling over NHWC input, square window, symmetric zero padding.
// Average pooling divides by the full window when count_include_pad (padding counted as
// zeros, PyTorch's default), else by the window's positions inside the input (ONNX
// AveragePool's default, count_include_pad=0); max pooling
// ignores padded positions; its gradient goes to the first maximum in window order.
class Pool2d : public Layer {
 public:
  enum class Mode { Average, Max };
  Pool2d(Mode mode, int64_t kernel, int64_t stride, int64_t padding = 0, bool count_include_pad = true);

  LayerKind kind() const override { return mode_ == Mode::Max ? LayerKind::MaxPool : LayerKind::AvgPool; }
  std::string describe() const override;
  Shape output_shape(const std::vector<Shape>& inputs) const override;
  void forward(const std::vector<const Tensor*>& inputs, Tensor& output, bool training) override;
  void backward(const std::vector<const Tensor*>& inputs, const Tensor& output, const Tensor& grad_output,
                const std::vector<Tensor*>& grad_inputs) override;

  Mode mode() const { return mode_; }
  int64_t kernel() const { return kernel_; }
  int64_t stride() const { return stride_; }
  int64_t padding() const { return padding_; }
  bool count_include_pad() const { return count_include_pad_; }

 private:
  Mode mode_;
  int64_t kernel_, stride_, padding_;
  bool count_include_pad_;  // Average mode only; without padding both divisors are k * k
  // Max mode: window position (row * kernel + column) of the maximum for each output
  // element; 32-bit so that the select vectorizes alongside the float compare.
  std::vector<int32_t> argmax_;
  std::vector<int64_t> covering_;  // backward scratch: output ranges covering each input column
};

}  // namespace mpq
