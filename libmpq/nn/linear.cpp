#include "libmpq/nn/linear.hpp"

#include <algorithm>

#include "libmpq/core/error.hpp"
#include "libmpq/tensor/gemm.hpp"
#include "libmpq/tensor/parallel.hpp"

namespace mpq {

namespace {

// The batch reduction of the weight gradient is split into at most this many row chunks,
// each with its own partial sum, added in chunk order: chunks depend only on the batch
// size, so results are bit-identical for any thread count.
constexpr int64_t kMaxReductionChunks = 16;
constexpr int64_t kMinRowsPerChunk = 32;

int64_t row_grain(int64_t rows) {
  return std::max(kMinRowsPerChunk, (rows + kMaxReductionChunks - 1) / kMaxReductionChunks);
}

}  // namespace

Linear::Linear(int64_t in_features, int64_t out_features, bool bias)
    : in_(in_features), out_(out_features), has_bias_(bias) {
  require(in_features > 0 && out_features > 0, "linear: in " + std::to_string(in_features) + " out " +
                                                   std::to_string(out_features) + ": features must be positive");
  weight = Parameter("weight", {out_features, in_features});
  if (bias) this->bias = Parameter("bias", {out_features}, false);
  else this->bias.name = "bias";
}

std::string Linear::describe() const {
  return std::to_string(in_) + "->" + std::to_string(out_) + (has_bias_ ? "" : " nobias");
}

Shape Linear::output_shape(const std::vector<Shape>& inputs) const {
  // Messages are built only on failure: this runs on every forward and backward.
  auto where = [this] { return "linear " + describe() + ": "; };
  if (inputs.size() != 1) throw Error(where() + "expected 1 input, got " + std::to_string(inputs.size()));
  const Shape& in = inputs[0];
  if (in.size() != 2 || in[1] != in_)
    throw Error(where() + "expected input [N, " + std::to_string(in_) + "], got " + shape_to_string(in));
  return {in[0], out_};
}

void Linear::forward(const std::vector<const Tensor*>& inputs, Tensor& output, bool /*training*/) {
  std::vector<Shape> shapes;
  for (const Tensor* t : inputs) shapes.push_back(t->shape());
  output.resize(output_shape(shapes));
  const float* x = inputs[0]->data();
  const float* w = weight.value.data();
  float* y = output.data();
  const int64_t rows = inputs[0]->dim(0);
  parallel_for(rows, row_grain(rows), [&](int64_t r0, int64_t r1) {
    float* y0 = y + r0 * out_;
    gemm(false, true, r1 - r0, out_, in_, 1.f, x + r0 * in_, in_, w, in_, 0.f, y0, out_);
    if (!has_bias_) return;
    const float* b = bias.value.data();
    for (int64_t r = 0; r < r1 - r0; ++r)
      for (int64_t o = 0; o < out_; ++o) y0[r * out_ + o] += b[o];
  });
}

void Linear::backward(const std::vector<const Tensor*>& inputs, const Tensor& /*output*/, const Tensor& grad_output,
                      const std::vector<Tensor*>& grad_inputs) {
  std::vector<Shape> shapes;
  for (const Tensor* t : inputs) shapes.push_back(t->shape());
  const Shape out_shape = output_shape(shapes);
  if (grad_output.shape() != out_shape)
    throw Error("linear " + describe() + ": output gradient is " + shape_to_string(grad_output.shape()) +
                ", expected " + shape_to_string(out_shape));
  const Tensor& x = *inputs[0];
  Tensor* gx = grad_inputs.empty() ? nullptr : grad_inputs[0];
  if (gx) gx->resize(x.shape());
  const int64_t rows = x.dim(0);
  const int64_t grain = row_grain(rows);
  const int64_t chunks = chunk_count(rows, grain);
  const int64_t wsize = out_ * in_;
  const int64_t stride = wsize + (has_bias_ ? out_ : 0);
  partials_.resize(static_cast<size_t>(chunks * stride));
  const float* gy = grad_output.data();
  parallel_for(rows, grain, [&](int64_t r0, int64_t r1) {
    const int64_t m = r1 - r0;
    const float* gy0 = gy + r0 * out_;
    float* pw = partials_.data() + (r0 / grain) * stride;
    gemm(true, false, out_, in_, m, 1.f, gy0, out_, x.data() + r0 * in_, in_, 0.f, pw, in_);
    if (has_bias_) {
      float* pb = pw + wsize;
      std::fill(pb, pb + out_, 0.f);
      for (int64_t r = 0; r < m; ++r)
        for (int64_t o = 0; o < out_; ++o) pb[o] += gy0[r * out_ + o];
    }
    if (gx) gemm(false, false, m, in_, out_, 1.f, gy0, out_, weight.value.data(), in_, 0.f, gx->data() + r0 * in_, in_);
  });
  for (int64_t c = 0; c < chunks; ++c) {
    const float* p = partials_.data() + c * stride;
    for (int64_t i = 0; i < wsize; ++i) weight.grad[i] += p[i];
    if (has_bias_)
      for (int64_t o = 0; o < out_; ++o) bias.grad[o] += p[wsize + o];
  }
}

std::vector<Parameter*> Linear::parameters() {
  if (has_bias_) return {&weight, &bias};
  return {&weight};
}

int64_t Linear::macs(const std::vector<Shape>& /*inputs*/) const { return in_ * out_; }

void Linear::reset_parameters(Rng& rng) {
  for (int64_t i = 0; i < weight.value.size(); ++i) weight.value[i] = rng.normal() * 0.01f;
  if (has_bias_) bias.value.zero();
}

}  // namespace mpq
