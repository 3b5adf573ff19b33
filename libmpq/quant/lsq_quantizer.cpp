#include "libmpq/quant/lsq_quantizer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "libmpq/core/error.hpp"
#include "libmpq/quant/fast_round.hpp"
#include "libmpq/quant/range_quantizer.hpp"

namespace mpq {

namespace {
// Steps are kept at or above this (projected in training): a step pushed to or below 0
// by one large early gradient would leave no grid.
constexpr float kMinStep = 1e-4f;
}

float lsq_gradient_scale(int64_t count, int32_t code_max) {
  return 1.f / std::sqrt(static_cast<float>(std::max<int64_t>(count, 1)) * static_cast<float>(std::max(code_max, 1)));
}

LsqQuantizer::LsqQuantizer(int bits, bool with_offset, float cap)
    : ActivationQuantizer(bits), step("step", {1}, /*decay=*/false), offset("offset", {1}, /*decay=*/false),
      with_offset_(with_offset), cap_(cap) {
  // Until calibrated: [0, min(cap, 6)] after a ReLU, [-1, 1] otherwise.
  const float qmax = static_cast<float>((1 << bits) - 1);
  if (with_offset_) {
    const QuantGrid g = asymmetric_grid(bits, -1.f, 1.f);
    step.value[0] = g.scale;
    offset.value[0] = -static_cast<float>(g.zero_point) * g.scale;
  } else {
    step.value[0] = std::min(cap, 6.f) / qmax;
  }
}

std::string LsqQuantizer::describe() const {
  const QuantGrid g = grid();
  char buf[96];
  std::snprintf(buf, sizeof buf, "u%d lsq%s step %.4g zero %d", bits_, with_offset_ ? "+ offset" : "",
                static_cast<double>(g.scale), g.zero_point);
  return buf;
}

std::vector<Parameter*> LsqQuantizer::parameters() {
  if (with_offset_) return {&step, &offset};
  return {&step};
}

float LsqQuantizer::step_size() const { return std::max(step.value[0], kMinStep); }

QuantGrid LsqQuantizer::grid() const {
  QuantGrid g;
  g.bits = bits_;
  g.qmin = 0;
  g.qmax = (1 << bits_) - 1;
  g.scale = step_size();
  g.zero_point = 0;
  if (with_offset_) {
    const float z = std::nearbyint(-offset.value[0] / g.scale);
    g.zero_point = static_cast<int32_t>(std::min(std::max(z, 0.f), static_cast<float>(g.qmax)));
  }
  return g;
}

void LsqQuantizer::set_from_observed(float lo, float hi) {
  const float qmax = static_cast<float>((1 << bits_) - 1);
  if (with_offset_) {
    // The MSE-best clip of the observed range, as the asymmetric range quantizer picks it.
    lo = std::min(lo, 0.f);
    hi = std::max(hi, 0.f);
    const float f = best_clip_fraction([&](float k) { return asymmetric_grid(bits_, k * lo, k * hi); });
    const QuantGrid g = asymmetric_grid(bits_, f * lo, f * hi);
    step.value[0] = g.scale;
    offset.value[0] = -static_cast<float>(g.zero_point) * g.scale;
  } else {
    const float top = std::min(std::max(hi, 1e-3f), cap_);
    const float f = best_clip_fraction([&](float k) {
      QuantGrid g = grid();
      g.scale = k * top / qmax;
      return g;
    });
    step.value[0] = f * top / qmax;
  }
}

void LsqQuantizer::forward(const std::vector<const Tensor*>& inputs, Tensor& output, bool training) {
  const Tensor& x = *inputs[0];
  if (training) step.value[0] = step_size();
  if (observing_) {
    // Calibration runs the float function this quantizer replaces: a (capped) ReLU, or
    // the identity for a tensor with an offset.
    output.resize(x.shape());
    for (int64_t i = 0; i < x.size(); ++i) output[i] = with_offset_ ? x[i] : std::min(std::max(x[i], 0.f), cap_);
    record_range(output);
    mask_.assign(static_cast<size_t>(x.size()), 1);
    return;
  }
  fake_quantize(x, output);
}

void LsqQuantizer::backward(const std::vector<const Tensor*>& inputs, const Tensor&, const Tensor& grad_output,
                            const std::vector<Tensor*>& grad_inputs) {
  const Tensor& x = *inputs[0];
  const QuantGrid g = grid();
  const float s = g.scale, inv = 1.f / s, qp = static_cast<float>(g.qmax);
  const float z = static_cast<float>(g.zero_point);
  Tensor* gx = grad_inputs.empty() ? nullptr : grad_inputs[0];
  if (gx) gx->resize(x.shape());
  const float* __restrict xs = x.data();
  const float* __restrict go = grad_output.data();
  float* __restrict gi = gx ? gx->data() : nullptr;
  // Per block of 4096 in float, blocks in double, in a fixed order: bit-identical runs.
  double d_step = 0, d_offset = 0;
  const int64_t size = x.size();
  for (int64_t b = 0; b < size; b += 4096) {
    const int64_t e = std::min<int64_t>(size, b + 4096);
    float block_step = 0.f, block_offset = 0.f;
    for (int64_t i = b; i < e; ++i) {
      // Clamped first: round_small needs |v| < 2^22.
      const float v = std::min(std::max(xs[i] * inv + z, -1.f), qp + 1.f);
      const bool below = v < 0.f, above = v > qp;
      const float ds = below ? 0.f : above ? qp : round_small(v) - v;
      block_step += go[i] * ds;
      block_offset += below || above ? go[i] : 0.f;
      if (gi) gi[i] = below || above ? 0.f : go[i];
    }
    d_step += static_cast<double>(block_step);
    d_offset += static_cast<double>(block_offset);
  }
  const int64_t per_sample = x.dim(0) > 0 ? size / x.dim(0) : size;
  const double scale = lsq_gradient_scale(per_sample, g.qmax);
  step.grad[0] += static_cast<float>(d_step * scale);
  // The offset moves only while the grid's zero point is not pinned at an end.
  if (with_offset_ && offset.value[0] <= 0.f && offset.value[0] >= -qp * s)
    offset.grad[0] += static_cast<float>(d_offset * scale);
}

}  // namespace mpq
