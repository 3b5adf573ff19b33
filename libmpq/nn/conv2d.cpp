#include "libmpq/nn/conv2d.hpp"

#include <cmath>

#include "libmpq/core/error.hpp"
#include "libmpq/nn/conv2d_paths.hpp"

namespace mpq {

using conv2d_paths::Geometry;
using conv2d_paths::depthwise_backward;
using conv2d_paths::depthwise_forward;
using conv2d_paths::im2col_backward;
using conv2d_paths::im2col_forward;
using conv2d_paths::pointwise_backward;
using conv2d_paths::pointwise_forward;
using conv2d_paths::transpose_depthwise_weight;

namespace {

std::vector<Shape> shapes_of(const std::vector<const Tensor*>& tensors) {
  std::vector<Shape> shapes;
  for (const Tensor* t : tensors) shapes.push_back(t->shape());
  return shapes;
}

}  // namespace

Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, int64_t kernel, int64_t stride, int64_t padding,
               int64_t groups, bool bias)
    : Conv2d(in_channels, out_channels, Window2d::square(kernel, stride, padding), groups, bias) {}

Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, const Window2d& window, int64_t groups, bool bias)
    : in_channels_(in_channels), out_channels_(out_channels), window_(window), groups_(groups), has_bias_(bias) {
  const Window2d& w = window;
  const std::string config = "conv2d: in " + std::to_string(in_channels) + " out " + std::to_string(out_channels) +
                             " window " + w.text() + " groups " + std::to_string(groups);
  require(in_channels > 0 && out_channels > 0 && w.kh > 0 && w.kw > 0 && w.sh > 0 && w.sw > 0 && w.top >= 0 &&
              w.left >= 0 && w.bottom >= 0 && w.right >= 0 && groups > 0,
          config + ": channels, kernel, stride and groups must be positive, padding non-negative");
  require(in_channels % groups == 0 && out_channels % groups == 0,
          config + ": in and out channels must be multiples of groups");
  weight = Parameter("weight", {out_channels, w.kh, w.kw, in_channels / groups});
  if (bias) this->bias = Parameter("bias", {out_channels}, false);
  else this->bias.name = "bias";
}

std::string Conv2d::describe() const {
  std::string s = window_.text() + " " + std::to_string(in_channels_) + "->" + std::to_string(out_channels_);
  if (is_depthwise()) s += " dw";
  else if (groups_ > 1) s += " g" + std::to_string(groups_);
  if (has_bias_) s += " bias";
  return s;
}

Shape Conv2d::output_shape(const std::vector<Shape>& inputs) const {
  // Messages are built only on failure: this runs on every forward and backward.
  auto where = [this] { return "conv2d " + describe() + ": "; };
  if (inputs.size() != 1) throw Error(where() + "expected 1 input, got " + std::to_string(inputs.size()));
  const Shape& in = inputs[0];
  if (in.size() != 4 || in[3] != in_channels_)
    throw Error(where() + "expected NHWC input with " + std::to_string(in_channels_) + " channels, got " +
                shape_to_string(in));
  const int64_t oh = window_.out_h(in[1]), ow = window_.out_w(in[2]);
  if (oh < 1 || ow < 1)
    throw Error(where() + "input " + shape_to_string(in) + " is smaller than the kernel, output would be empty");
  return {in[0], oh, ow, out_channels_};
}

void Conv2d::forward(const std::vector<const Tensor*>& inputs, Tensor& output, bool /*training*/) {
  const Shape out_shape = output_shape(shapes_of(inputs));
  const Tensor& x = *inputs[0];
  output.resize(out_shape);
  const Geometry g{x.dim(0), x.dim(1), x.dim(2), in_channels_, out_shape[1], out_shape[2], out_channels_,
                   groups_,   window_};
  const float* b = has_bias_ ? bias.value.data() : nullptr;
  if (window_.is_square() && window_.kh == 1 && window_.sh == 1 && window_.top == 0 && groups_ == 1) {
    pointwise_forward(g, x.data(), weight.value.data(), b, output.data());
  } else if (is_depthwise()) {
    transpose_depthwise_weight(g, weight.value.data(), weight_khwc_);
    depthwise_forward(g, x.data(), weight_khwc_.data(), b, output.data());
  } else {
    im2col_forward(g, x.data(), weight.value.data(), b, output.data(), columns_);
  }
}

void Conv2d::backward(const std::vector<const Tensor*>& inputs, const Tensor& /*output*/, const Tensor& grad_output,
                      const std::vector<Tensor*>& grad_inputs) {
  const Shape out_shape = output_shape(shapes_of(inputs));
  if (grad_output.shape() != out_shape)
    throw Error("conv2d " + describe() + ": output gradient is " + shape_to_string(grad_output.shape()) +
                ", expected " + shape_to_string(out_shape));
  const Tensor& x = *inputs[0];
  Tensor* gx = grad_inputs.empty() ? nullptr : grad_inputs[0];
  if (gx) gx->resize(x.shape());
  const Geometry g{x.dim(0), x.dim(1), x.dim(2), in_channels_, out_shape[1], out_shape[2], out_channels_,
                   groups_,   window_};
  float* gx_data = gx ? gx->data() : nullptr;
  float* gb = has_bias_ ? bias.grad.data() : nullptr;
  if (window_.is_square() && window_.kh == 1 && window_.sh == 1 && window_.top == 0 && groups_ == 1) {
    pointwise_backward(g, x.data(), weight.value.data(), grad_output.data(), gx_data, weight.grad.data(), gb,
                       partials_);
  } else if (is_depthwise()) {
    transpose_depthwise_weight(g, weight.value.data(), weight_khwc_);
    depthwise_backward(g, x.data(), weight_khwc_.data(), grad_output.data(), gx_data, weight.grad.data(), gb,
                       partials_);
  } else {
    im2col_backward(g, x.data(), weight.value.data(), grad_output.data(), gx_data, weight.grad.data(), gb, columns_,
                    partials_);
  }
}

std::vector<Parameter*> Conv2d::parameters() {
  if (has_bias_) return {&weight, &bias};
  return {&weight};
}

int64_t Conv2d::macs(const std::vector<Shape>& inputs) const {
  const Shape out = output_shape(inputs);
  return out[1] * out[2] * out_channels_ * (in_channels_ / groups_) * window_.kh * window_.kw;
}

void Conv2d::reset_parameters(Rng& rng) {
  // PyTorch's fan_out for a conv weight is out_channels * kh * kw, whatever the groups.
  const float std_dev = std::sqrt(2.f / static_cast<float>(out_channels_ * window_.kh * window_.kw));
  for (int64_t i = 0; i < weight.value.size(); ++i) weight.value[i] = rng.normal() * std_dev;
  if (has_bias_) bias.value.zero();
}

}  // namespace mpq
