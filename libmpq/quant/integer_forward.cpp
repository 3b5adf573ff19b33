#include "libmpq/quant/integer_forward.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "libmpq/kernels/requantize.hpp"
#include "libmpq/quant/fast_round.hpp"
#include "libmpq/quant/weight_quantizer.hpp"
#include "libmpq/runtime/blob_encoding.hpp"

namespace mpq {

double accumulator_bias(float bias, double input_scale, double weight_scale, int bits, bool fine_bias) {
  const double step = bias_step(input_scale, weight_scale, bits, fine_bias);
  const double units = fine_bias ? 1.0 : static_cast<double>(1 << (8 - bits));
  return std::nearbyint(static_cast<double>(bias) / step) * units;
}

namespace {
// Swaps two parameters' values for the scope: the inner layer computes with codes.
struct Swapped {
  Tensor& a;
  Tensor& b;
  Swapped(Tensor& x, Tensor& y) : a(x), b(y) { std::swap(a, b); }
  ~Swapped() { std::swap(a, b); }
  Swapped(const Swapped&) = delete;
  Swapped& operator=(const Swapped&) = delete;
};
}  // namespace

bool integer_forward(const IntegerForwardArgs& a, const Tensor& x, Tensor& output) {
  const Tensor& w = *a.master_weight;
  const int64_t channels = w.dim(0), per_channel = w.size() / channels;
  // Per channel, rows of one vector: the accumulator's unit, the bias in it (an integer),
  // and the exporter's multiplier and shift of unit / s_out.
  enum : int64_t { kScale, kBias, kMultiplier, kShift, kFields };
  std::vector<double> params(static_cast<size_t>(kFields * channels), 0.0);
  double* const acc_scale = params.data() + kScale * channels;
  double* const bias = params.data() + kBias * channels;
  for (int64_t c = 0; c < channels; ++c) {
    const double s_w = (*a.scales)[static_cast<size_t>(c)];
    acc_scale[c] = accumulator_scale(a.in.scale, s_w, a.bits);
    int32_t m = 0, e = 0;
    if (rt::encoding::quantize_multiplier(acc_scale[c] / a.out.scale, &m, &e) != rt::encoding::Status::ok) return false;
    params[static_cast<size_t>(kMultiplier * channels + c)] = m;
    params[static_cast<size_t>(kShift * channels + c)] = e;
    if (a.inner_bias) {
      bias[c] = accumulator_bias((*a.master_bias)[c], a.in.scale, s_w, a.bits, a.fine_bias);
      if (!(std::abs(bias[c]) < 2147483647.0)) return false;  // the exporter refuses it too
    }
  }
  // Codes relative to the zero points: the input's are exact multiples of its scale, and
  // within its grid (clamped all the same, so that the bound below holds).
  Tensor xc(x.shape());
  const float inv = 1.f / a.in.scale;
  const float x_lo = static_cast<float>(a.in.qmin - a.in.zero_point), x_hi = static_cast<float>(a.in.qmax - a.in.zero_point);
  {
    const float* __restrict xs = x.data();
    float* __restrict cs = xc.data();
    for (int64_t i = 0; i < x.size(); ++i) cs[i] = std::min(std::max(round_small(std::min(std::max(xs[i] * inv, x_lo - 1.f), x_hi + 1.f)), x_lo), x_hi);
  }
  Tensor wc(w.shape());
  float w_max = 0.f;
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t k = c * per_channel; k < (c + 1) * per_channel; ++k) {
      wc[k] = static_cast<float>(weight_code(w[k], (*a.scales)[static_cast<size_t>(c)], a.bits));
      w_max = std::max(w_max, std::abs(wc[k]));
    }
  // Every partial sum of integer products is an exact float below 2^24, whatever order
  // the inner layer sums in: bounded by the grid's codes, else by the batch's.
  auto exact = [&](float x_max) { return static_cast<double>(per_channel) * x_max * w_max < 16777216.0; };
  if (!exact(std::max(-x_lo, x_hi))) {
    float x_max = 0.f;
    for (int64_t i = 0; i < xc.size(); ++i) x_max = std::max(x_max, std::abs(xc[i]));
    if (!exact(x_max)) return false;
  }
  {
    Swapped weights(a.inner_weight->value, wc);
    Tensor zero = a.inner_bias ? Tensor(a.inner_bias->value.shape()) : Tensor(), none;
    Swapped no_bias(a.inner_bias ? a.inner_bias->value : none, zero);
    a.inner->forward({&xc}, output, /*training=*/false);
  }
  // Channels are the last dimension (NHWC, or [N, C]). A b-bit code counts as code * 2^(8 - b).
  const double unit = static_cast<double>(int64_t{1} << (8 - a.bits));
  const int64_t rows = output.size() / channels;
  const float inv_out = 1.f / a.out.scale;  // as the output quantizer computes x / s
  std::vector<float> values(static_cast<size_t>(channels));
  for (int64_t n = 0; n < rows; ++n) {
    float* __restrict y = output.data() + n * channels;  // the sums of code products
    float* __restrict out = values.data();
    const double* __restrict bd = bias;
    const double* __restrict as = acc_scale;
    // The accumulator's value (exact integers in double): what the channel statistics
    // measure, and what the quantizer rounds to the kernel's code away from a half.
    for (int64_t c = 0; c < channels; ++c) out[c] = static_cast<float>((static_cast<double>(y[c]) * unit + bd[c]) * as[c]);
    // How many lie within 1e-5 of a step of an output half, where the quantizer's float
    // rounding (errors of about 2e-7 of the value) and the kernel's could differ; beyond
    // 2^22 steps the quantizer clamps anyway. Branch-free: it vectorizes.
    int32_t near = 0;
    for (int64_t c = 0; c < channels; ++c) {
      const float v = out[c] * inv_out, av = std::abs(v);
      const float r = (v + 12582912.f) - 12582912.f;  // the nearest integer
      near += (av < 4194304.f) & (std::abs(std::abs(v - r) - 0.5f) < 1e-5f * (1.f + av));
    }
    if (near > 0) {
      // There: the kernel's code itself, on the grid (unclamped; the quantizer clamps).
      for (int64_t c = 0; c < channels; ++c) {
        const float v = out[c] * inv_out, av = std::abs(v);
        const float r = (v + 12582912.f) - 12582912.f;
        if (!(av < 4194304.f && std::abs(std::abs(v - r) - 0.5f) < 1e-5f * (1.f + av))) continue;
        const double acc = static_cast<double>(y[c]) * unit + bd[c];
        const int64_t a32 = static_cast<int64_t>(std::min(std::max(acc, -2147483648.0), 2147483647.0));
        const int64_t q = kernels::requantize_exact(static_cast<int32_t>(a32),
                                                    static_cast<int32_t>(params[static_cast<size_t>(kMultiplier * channels + c)]),
                                                    static_cast<int32_t>(params[static_cast<size_t>(kShift * channels + c)]));
        out[c] = static_cast<float>(std::min<int64_t>(std::max<int64_t>(q, -65536), 65536)) * a.out.scale;
      }
    }
    std::copy(out, out + channels, y);
  }
  return true;
}

}  // namespace mpq
