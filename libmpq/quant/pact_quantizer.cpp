#include "libmpq/quant/pact_quantizer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "libmpq/quant/fast_round.hpp"

namespace mpq {

PactQuantizer::PactQuantizer(int bits, float alpha_init, float cap)
    : ActivationQuantizer(bits), alpha("alpha", {1}, /*decay=*/false), cap_(cap) {
  alpha.value[0] = alpha_init;
}

std::string PactQuantizer::describe() const {
  char buf[80];
  std::snprintf(buf, sizeof buf, "u%d pact alpha %.4g%s", bits_, static_cast<double>(clip()),
                std::isfinite(cap_) ? " (relu6)" : "");
  return buf;
}

float PactQuantizer::clip() const { return std::min(std::max(alpha.value[0], 1e-3f), cap_); }

QuantGrid PactQuantizer::grid() const {
  QuantGrid g;
  g.bits = bits_;
  g.qmin = 0;
  g.qmax = (1 << bits_) - 1;
  g.zero_point = 0;
  g.scale = clip() / static_cast<float>(g.qmax);
  return g;
}

void PactQuantizer::set_from_observed(float, float hi) {
  const float top = std::min(std::max(hi, 1e-3f), cap_);
  const float f = best_clip_fraction([&](float k) {
    QuantGrid g = grid();
    g.scale = k * top / static_cast<float>(g.qmax);
    return g;
  });
  alpha.value[0] = f * top;
}

void PactQuantizer::forward(const std::vector<const Tensor*>& inputs, Tensor& output, bool) {
  const Tensor& x = *inputs[0];
  if (observing_) {
    // Calibration runs the float function this quantizer replaces: a (capped) ReLU.
    output.resize(x.shape());
    for (int64_t i = 0; i < x.size(); ++i) output[i] = std::min(std::max(x[i], 0.f), cap_);
    record_range(output);
    mask_.assign(static_cast<size_t>(x.size()), 1);
    return;
  }
  fake_quantize(x, output);
}

void PactQuantizer::backward(const std::vector<const Tensor*>& inputs, const Tensor&, const Tensor& grad_output,
                             const std::vector<Tensor*>& grad_inputs) {
  const Tensor& x = *inputs[0];
  const float a = clip();
  const bool alpha_free = alpha.value[0] >= 1e-3f && alpha.value[0] <= cap_;
  const float n = static_cast<float>((1 << bits_) - 1);
  const float inv_s = n / a;
  Tensor* gx = grad_inputs.empty() ? nullptr : grad_inputs[0];
  if (gx) gx->resize(x.shape());
  const float* __restrict xs = x.data();
  const float* __restrict go = grad_output.data();
  float* __restrict gi = gx ? gx->data() : nullptr;
  // d(output)/d(alpha) is 1 above the clip and round(x / s) / n inside it (PACT with the
  // rounding kept), 0 below 0: that is round(clamp(x, 0, a) / s) / n everywhere, since
  // a / s rounds to n. Summed per block of 4096 in float (vectorizes), blocks in double,
  // in a fixed order so that runs stay bit-identical.
  double d_alpha = 0;
  const int64_t size = x.size();
  for (int64_t b = 0; b < size; b += 4096) {
    const int64_t e = std::min<int64_t>(size, b + 4096);
    float lanes[8] = {};  // eight independent partial sums: the loop needs no reassociation
    int64_t i = b;
    for (; i + 8 <= e; i += 8)
      for (int j = 0; j < 8; ++j) lanes[j] += go[i + j] * round_small(std::min(std::max(xs[i + j], 0.f), a) * inv_s);
    for (; i < e; ++i) lanes[0] += go[i] * round_small(std::min(std::max(xs[i], 0.f), a) * inv_s);
    float block = 0.f;
    for (float l : lanes) block += l;
    d_alpha += static_cast<double>(block);
    if (gi)
      for (int64_t i = b; i < e; ++i) gi[i] = ((xs[i] > 0.f) & (xs[i] < a)) ? go[i] : 0.f;
  }
  if (alpha_free) alpha.grad[0] += static_cast<float>(d_alpha / n);
}

}  // namespace mpq
