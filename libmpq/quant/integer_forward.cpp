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
  // Requantization of each channel: the exporter's multiplier of the same ratio.
  std::vector<int32_t> multiplier(static_cast<size_t>(channels)), shift(multiplier.size());
  std::vector<int64_t> bias(multiplier.size(), 0);
  std::vector<double> acc_scale(multiplier.size());
  for (int64_t c = 0; c < channels; ++c) {
    const size_t k = static_cast<size_t>(c);
    const double s_w = (*a.scales)[k];
    acc_scale[k] = accumulator_scale(a.in.scale, s_w, a.bits);
    if (rt::encoding::quantize_multiplier(acc_scale[k] / a.out.scale, &multiplier[k], &shift[k]) !=
        rt::encoding::Status::ok)
      return false;
    if (a.inner_bias) {
      const double b = accumulator_bias((*a.master_bias)[c], a.in.scale, s_w, a.bits, a.fine_bias);
      if (!(std::abs(b) < 2147483647.0)) return false;  // the exporter refuses it too
      bias[k] = static_cast<int64_t>(b);
    }
  }
  // Codes relative to the zero points: the input's are exact multiples of its scale.
  Tensor xc(x.shape());
  const float inv = 1.f / a.in.scale;
  float x_max = 0.f;
  for (int64_t i = 0; i < x.size(); ++i) {
    xc[i] = round_small(std::min(std::max(x[i] * inv, -1048576.f), 1048576.f));
    x_max = std::max(x_max, std::abs(xc[i]));
  }
  Tensor wc(w.shape());
  float w_max = 0.f;
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t k = c * per_channel; k < (c + 1) * per_channel; ++k) {
      wc[k] = static_cast<float>(weight_code(w[k], (*a.scales)[static_cast<size_t>(c)], a.bits));
      w_max = std::max(w_max, std::abs(wc[k]));
    }
  // Every partial sum of integer products is an exact float below 2^24, whatever order
  // the inner layer sums in.
  if (static_cast<double>(per_channel) * x_max * w_max >= 16777216.0) return false;
  {
    Swapped weights(a.inner_weight->value, wc);
    Tensor zero = a.inner_bias ? Tensor(a.inner_bias->value.shape()) : Tensor(), none;
    Swapped no_bias(a.inner_bias ? a.inner_bias->value : none, zero);
    a.inner->forward({&xc}, output, /*training=*/false);
  }
  // Channels are the last dimension (NHWC, or [N, C]).
  const int64_t unit = int64_t{1} << (8 - a.bits);  // a b-bit code counts as code * 2^(8 - b)
  for (int64_t i = 0; i < output.size(); ++i) {
    const size_t c = static_cast<size_t>(i % channels);
    const int64_t acc = static_cast<int64_t>(output[i]) * unit + bias[c];
    const int64_t clamped = std::min<int64_t>(std::max<int64_t>(acc, INT32_MIN), INT32_MAX);
    const double real = static_cast<double>(acc) * acc_scale[c];  // the exact accumulator's value
    const double v = real / a.out.scale;
    if (std::abs(v - std::floor(v) - 0.5) < 1e-5 * (1.0 + std::abs(v))) {
      // Near a half, where the quantizer's float rounding could go either way: the kernel's
      // code itself, on the grid.
      const int64_t r = kernels::requantize_exact(static_cast<int32_t>(clamped), multiplier[c], shift[c]);
      output[i] = static_cast<float>(std::min<int64_t>(std::max<int64_t>(r, -65536), 65536)) * a.out.scale;
    } else {
      // Elsewhere the value itself (what the channel statistics measure): the float and the
      // kernel's rounding of it agree, their errors (about 1e-7 of it) being far below 1e-5.
      output[i] = static_cast<float>(real);
    }
  }
  return true;
}

}  // namespace mpq
