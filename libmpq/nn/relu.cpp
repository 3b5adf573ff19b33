#include "libmpq/nn/relu.hpp"

#include <cmath>
#include <sstream>

#include "libmpq/core/error.hpp"
#include "libmpq/tensor/parallel.hpp"

namespace mpq {

namespace {
constexpr int64_t kGrain = 32768;  // elements per parallel_for chunk
}  // namespace

ReLU::ReLU(float cap) : cap_(cap) {
  require(cap > 0.f, "relu: cap must be positive, got " + std::to_string(cap));
}

std::string ReLU::describe() const {
  if (std::isinf(cap_)) return "relu";
  std::ostringstream s;
  s << "relu cap " << cap_;
  return s.str();
}

Shape ReLU::output_shape(const std::vector<Shape>& inputs) const {
  require(inputs.size() == 1, "relu: expected 1 input, got " + std::to_string(inputs.size()));
  require(!inputs[0].empty(), "relu: expected a tensor input, got shape " + shape_to_string(inputs[0]));
  return inputs[0];
}

void ReLU::forward(const std::vector<const Tensor*>& inputs, Tensor& output, bool /*training*/) {
  const Tensor& in = *inputs.at(0);
  output_shape({in.shape()});
  output.resize(in.shape());
  const float* x = in.data();
  float* y = output.data();
  const float cap = cap_;
  parallel_for(in.size(), kGrain, [=](int64_t begin, int64_t end) {
    const float* __restrict xs = x;
    float* __restrict ys = y;
    for (int64_t i = begin; i < end; ++i) {
      const float v = xs[i] > 0.f ? xs[i] : 0.f;
      ys[i] = v < cap ? v : cap;
    }
  });
}

void ReLU::backward(const std::vector<const Tensor*>& inputs, const Tensor& /*output*/, const Tensor& grad_output,
                    const std::vector<Tensor*>& grad_inputs) {
  const Tensor& in = *inputs.at(0);
  require(grad_output.shape() == in.shape(), "relu: gradient " + shape_to_string(grad_output.shape()) +
                                                 " does not match input " + shape_to_string(in.shape()));
  Tensor* grad_in = grad_inputs.empty() ? nullptr : grad_inputs[0];
  if (!grad_in) return;
  grad_in->resize(in.shape());
  const float* x = in.data();
  const float* dy = grad_output.data();
  float* dx = grad_in->data();
  const float cap = cap_;
  parallel_for(in.size(), kGrain, [=](int64_t begin, int64_t end) {
    const float* __restrict xs = x;
    const float* __restrict dys = dy;
    float* __restrict dxs = dx;
    for (int64_t i = begin; i < end; ++i) {
      // Unconditional loads and two selects instead of '&&': only this form lets GCC
      // if-convert (a short-circuited float compare may not be speculated) and vectorize.
      const float v = xs[i], d = dys[i];
      const float below_cap = v < cap ? d : 0.f;
      dxs[i] = v > 0.f ? below_cap : 0.f;
    }
  });
}

}  // namespace mpq
