#include "libmpq/nn/global_avg_pool.hpp"

#include <algorithm>

#include "libmpq/core/error.hpp"
#include "libmpq/tensor/parallel.hpp"

namespace mpq {

namespace {
constexpr int64_t kChunkFloats = 16384;  // input elements per parallel_for chunk
}  // namespace

Shape GlobalAvgPool::output_shape(const std::vector<Shape>& inputs) const {
  require(inputs.size() == 1, "gavgpool: expected 1 input, got " + std::to_string(inputs.size()));
  const Shape& s = inputs[0];
  require(s.size() == 4 && s[1] > 0 && s[2] > 0,
          "gavgpool: expected input NxHxWxC with H, W > 0, got " + shape_to_string(s));
  return {s[0], s[3]};
}

void GlobalAvgPool::forward(const std::vector<const Tensor*>& inputs, Tensor& output, bool /*training*/) {
  const Tensor& in = *inputs.at(0);
  output.resize(output_shape({in.shape()}));
  const int64_t N = in.dim(0), HW = in.dim(1) * in.dim(2), C = in.dim(3);
  const float inv = 1.f / static_cast<float>(HW);
  const float* x = in.data();
  float* y = output.data();
  parallel_for(N, std::max<int64_t>(1, kChunkFloats / std::max<int64_t>(1, HW * C)), [=](int64_t begin, int64_t end) {
    for (int64_t n = begin; n < end; ++n) {
      float* __restrict acc = y + n * C;
      std::fill(acc, acc + C, 0.f);
      for (int64_t p = 0; p < HW; ++p) {
        const float* __restrict row = x + (n * HW + p) * C;
        for (int64_t c = 0; c < C; ++c) acc[c] += row[c];
      }
      for (int64_t c = 0; c < C; ++c) acc[c] *= inv;
    }
  });
}

void GlobalAvgPool::backward(const std::vector<const Tensor*>& inputs, const Tensor& /*output*/,
                             const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) {
  const Tensor& in = *inputs.at(0);
  const Shape out_shape = output_shape({in.shape()});
  require(grad_output.shape() == out_shape, "gavgpool: gradient " + shape_to_string(grad_output.shape()) +
                                                " does not match output " + shape_to_string(out_shape));
  Tensor* grad_in = grad_inputs.empty() ? nullptr : grad_inputs[0];
  if (!grad_in) return;
  grad_in->resize(in.shape());
  const int64_t N = in.dim(0), HW = in.dim(1) * in.dim(2), C = in.dim(3);
  const float inv = 1.f / static_cast<float>(HW);
  const float* dy = grad_output.data();
  float* dx = grad_in->data();
  parallel_for(N, std::max<int64_t>(1, kChunkFloats / std::max<int64_t>(1, HW * C)), [=](int64_t begin, int64_t end) {
    for (int64_t n = begin; n < end; ++n) {
      const float* __restrict g = dy + n * C;
      for (int64_t p = 0; p < HW; ++p) {
        float* __restrict row = dx + (n * HW + p) * C;
        for (int64_t c = 0; c < C; ++c) row[c] = g[c] * inv;
      }
    }
  });
}

}  // namespace mpq
