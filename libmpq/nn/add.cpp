#include "libmpq/nn/add.hpp"

#include <algorithm>

#include "libmpq/core/error.hpp"
#include "libmpq/tensor/parallel.hpp"

namespace mpq {

namespace {
constexpr int64_t kGrain = 32768;  // elements per parallel_for chunk
}  // namespace

Shape Add::output_shape(const std::vector<Shape>& inputs) const {
  require(inputs.size() == 2, "add: expected 2 inputs, got " + std::to_string(inputs.size()));
  require(inputs[0] == inputs[1],
          "add: input shapes " + shape_to_string(inputs[0]) + " and " + shape_to_string(inputs[1]) + " differ");
  return inputs[0];
}

void Add::forward(const std::vector<const Tensor*>& inputs, Tensor& output, bool /*training*/) {
  require(inputs.size() == 2, "add: expected 2 inputs, got " + std::to_string(inputs.size()));
  const Tensor& a = *inputs[0];
  const Tensor& b = *inputs[1];
  output_shape({a.shape(), b.shape()});
  output.resize(a.shape());
  const float* pa = a.data();
  const float* pb = b.data();
  float* y = output.data();
  parallel_for(a.size(), kGrain, [=](int64_t begin, int64_t end) {
    const float* __restrict as = pa;
    const float* __restrict bs = pb;
    float* __restrict ys = y;
    for (int64_t i = begin; i < end; ++i) ys[i] = as[i] + bs[i];
  });
}

void Add::backward(const std::vector<const Tensor*>& inputs, const Tensor& /*output*/, const Tensor& grad_output,
                   const std::vector<Tensor*>& grad_inputs) {
  require(inputs.size() == 2, "add: expected 2 inputs, got " + std::to_string(inputs.size()));
  output_shape({inputs[0]->shape(), inputs[1]->shape()});
  require(grad_output.shape() == inputs[0]->shape(), "add: gradient " + shape_to_string(grad_output.shape()) +
                                                         " does not match input " +
                                                         shape_to_string(inputs[0]->shape()));
  const float* dy = grad_output.data();
  for (size_t k = 0; k < grad_inputs.size() && k < 2; ++k) {
    Tensor* g = grad_inputs[k];
    if (!g) continue;
    g->resize(grad_output.shape());
    float* dx = g->data();
    parallel_for(grad_output.size(), kGrain,
                 [=](int64_t begin, int64_t end) { std::copy(dy + begin, dy + end, dx + begin); });
  }
}

}  // namespace mpq
