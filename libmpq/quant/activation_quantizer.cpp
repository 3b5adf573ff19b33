#include "libmpq/quant/activation_quantizer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "libmpq/core/error.hpp"
#include "libmpq/quant/fast_round.hpp"
#include "libmpq/tensor/parallel.hpp"

namespace mpq {

int32_t QuantGrid::code(float x) const {
  const float lo = static_cast<float>(qmin - zero_point), hi = static_cast<float>(qmax - zero_point);
  const float r = round_small(std::min(std::max(x / scale, lo - 1.f), hi + 1.f));
  return static_cast<int32_t>(std::min(std::max(r, lo), hi)) + zero_point;
}

float QuantGrid::quantize(float x) const { return static_cast<float>(code(x) - zero_point) * scale; }

const char* activation_init_name(ActivationInit init) {
  switch (init) {
    case ActivationInit::mse_wide: return "mse-wide";
    case ActivationInit::percentile: return "p99.9";
    case ActivationInit::lsq: return "lsq";
    default: return "mse";
  }
}

ActivationInit parse_activation_init(const std::string& name) {
  if (name == "mse") return ActivationInit::mse;
  if (name == "mse-wide") return ActivationInit::mse_wide;
  if (name == "p99.9") return ActivationInit::percentile;
  if (name == "lsq") return ActivationInit::lsq;
  throw Error("activation init: '" + name + "' is not one of mse, mse-wide, p99.9, lsq");
}

ActivationQuantizer::ActivationQuantizer(int bits) : bits_(bits) {
  require(bits == 2 || bits == 4 || bits == 8, "activation quantizer: bits must be 2, 4 or 8");
}

Shape ActivationQuantizer::output_shape(const std::vector<Shape>& inputs) const {
  require(inputs.size() == 1, "activation quantizer: expects one input");
  return inputs[0];
}

void ActivationQuantizer::backward(const std::vector<const Tensor*>& inputs, const Tensor&, const Tensor& grad_output,
                                   const std::vector<Tensor*>& grad_inputs) {
  if (grad_inputs.empty() || !grad_inputs[0]) return;
  Tensor& g = *grad_inputs[0];
  g.resize(inputs[0]->shape());
  const uint8_t* __restrict m = mask_.data();
  const float* __restrict go = grad_output.data();
  float* __restrict gi = g.data();
  for (int64_t i = 0; i < g.size(); ++i) gi[i] = m[i] ? go[i] : 0.f;
}

void ActivationQuantizer::start_observing() {
  observing_ = true;
  observed_lo_ = std::numeric_limits<float>::infinity();
  observed_hi_ = -std::numeric_limits<float>::infinity();
  samples_.clear();
}

void ActivationQuantizer::finish_observing() {
  require(observing_, "activation quantizer: finish_observing without start_observing");
  observing_ = false;
  float lo = observed_lo_, hi = observed_hi_;
  if (bits_ == 2 && !samples_.empty() && init_ == ActivationInit::percentile) {
    std::vector<float> v = samples_;
    const auto at = [&](double q) {
      auto k = v.begin() + static_cast<std::ptrdiff_t>(q * static_cast<double>(v.size() - 1));
      std::nth_element(v.begin(), k, v.end());
      return *k;
    };
    hi = std::min(hi, std::max(at(0.999), 0.f));
    lo = std::max(lo, std::min(at(0.001), 0.f));
  } else if (bits_ == 2 && !samples_.empty() && init_ == ActivationInit::lsq) {
    double sum = 0;
    for (float x : samples_) sum += std::abs(x);
    const float qp = static_cast<float>((1 << bits_) - 1);
    // The grid [0, Qp * s] (or as wide about the tensor's zero) for s = 2 mean|x| / sqrt(Qp).
    const float r = static_cast<float>(2.0 * sum / static_cast<double>(samples_.size())) * std::sqrt(qp);
    hi = std::min(hi, r);
    lo = std::max(lo, -r);
  }
  if (lo <= hi) set_from_observed(lo, hi);
  samples_.clear();
  samples_.shrink_to_fit();
}

void ActivationQuantizer::record_range(const Tensor& values) {
  const float* x = values.data();
  for (int64_t i = 0; i < values.size(); ++i) {
    observed_lo_ = std::min(observed_lo_, x[i]);
    observed_hi_ = std::max(observed_hi_, x[i]);
  }
  // At most 4096 evenly spaced values per batch, 16384 in all.
  const int64_t step = std::max<int64_t>(1, values.size() / 4096);
  for (int64_t i = 0; i < values.size() && samples_.size() < 16384; i += step) samples_.push_back(x[i]);
}

double ActivationQuantizer::sample_error(const QuantGrid& grid) const {
  double e = 0;
  for (float v : samples_) {
    const double d = static_cast<double>(grid.quantize(v)) - v;
    e += d * d;
  }
  return samples_.empty() ? 0.0 : e / static_cast<double>(samples_.size());
}

void ActivationQuantizer::fake_quantize(const Tensor& input, Tensor& output) {
  const QuantGrid g = grid();
  output.resize(input.shape());
  mask_.resize(static_cast<size_t>(input.size()));
  const float* x = input.data();
  float* y = output.data();
  uint8_t* m = mask_.data();
  const float inv = 1.f / g.scale;
  // Codes relative to the zero point, so that rounding x / scale is the whole work.
  const float lo = static_cast<float>(g.qmin - g.zero_point), hi = static_cast<float>(g.qmax - g.zero_point);
  const float scale = g.scale;
  parallel_for(input.size(), 16384, [=](int64_t b, int64_t e) {
    // Restrict-qualified locals: the uint8_t mask could otherwise alias everything and
    // keep the loop scalar (it was 30% of a fake-quant training step).
    const float* __restrict xs = x + b;
    float* __restrict ys = y + b;
    uint8_t* __restrict ms = m + b;
    const int64_t n = e - b;
    for (int64_t i = 0; i < n; ++i) {
      // Clamped first: round_small needs |v| < 2^22.
      const float v = std::min(std::max(xs[i] * inv, lo - 1.f), hi + 1.f);
      const float r = round_small(v);
      ms[i] = static_cast<uint8_t>((r >= lo) & (r <= hi));
      ys[i] = std::min(std::max(r, lo), hi) * scale;
    }
  });
}

}  // namespace mpq
