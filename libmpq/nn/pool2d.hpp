#pragma once

#include "libmpq/nn/layer.hpp"
#include "libmpq/nn/window2d.hpp"

namespace mpq {

// Average or max pooling over NHWC input, any Window2d whose padding on each side is
// less than the kernel on that axis (so that no window lies wholly in the padding).
// Average pooling divides by the full window when count_include_pad (padding counted as
// zeros, PyTorch's default), else by the window's positions inside the input (ONNX
// AveragePool's default, count_include_pad=0); max pooling
// ignores padded positions; its gradient goes to the first maximum in window order.
class Pool2d : public Layer {
 public:
  enum class Mode { Average, Max };
  Pool2d(Mode mode, int64_t kernel, int64_t stride, int64_t padding = 0, bool count_include_pad = true);
  Pool2d(Mode mode, const Window2d& window, bool count_include_pad);

  LayerKind kind() const override { return mode_ == Mode::Max ? LayerKind::MaxPool : LayerKind::AvgPool; }
  std::string describe() const override;
  Shape output_shape(const std::vector<Shape>& inputs) const override;
  void forward(const std::vector<const Tensor*>& inputs, Tensor& output, bool training) override;
  void backward(const std::vector<const Tensor*>& inputs, const Tensor& output, const Tensor& grad_output,
                const std::vector<Tensor*>& grad_inputs) override;

  Mode mode() const { return mode_; }
  const Window2d& window() const { return window_; }
  // The square window's numbers: callers that handle only square windows check
  // window().is_square() first.
  int64_t kernel() const { return window_.kh; }
  int64_t stride() const { return window_.sh; }
  int64_t padding() const { return window_.top; }
  bool count_include_pad() const { return count_include_pad_; }

 private:
  Mode mode_;
  Window2d window_;
  bool count_include_pad_;  // Average mode only; without padding both divisors are kh * kw
  // Max mode: window position (row * kw + column) of the maximum for each output
  // element; 32-bit so that the select vectorizes alongside the float compare.
  std::vector<int32_t> argmax_;
  std::vector<int64_t> covering_;  // backward scratch: output ranges covering each input column
};

}  // namespace mpq
