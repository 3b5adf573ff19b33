#include "libmpq/quant/activation_quantizer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "libmpq/core/error.hpp"
#include "libmpq/tensor/parallel.hpp"

namespace mpq {

int32_t QuantGrid::code(float x) const {
  const float q = std::nearbyint(x / scale) + static_cast<float>(zero_point);
  return static_cast<int32_t>(std::min(std::max(q, static_cast<float>(qmin)), static_cast<float>(qmax)));
}

float QuantGrid::quantize(float x) const { return static_cast<float>(code(x) - zero_point) * scale; }

ActivationQuantizer::ActivationQuantizer(int bits) : bits_(bits) {
  require(bits == 2 || bits == 4 || bits == 8, "activation quantizer: bits must be 2, 4 or 8");
}

Shape ActivationQuantizer::output_shape(const std::vector<Shape>& inputs) const {
  require(inputs.size() == 1, "activation quantizer: expects one input");
  return inputs[0];
}

void ActivationQuantizer::start_observing() {
  observing_ = true;
  observed_lo_ = std::numeric_limits<float>::infinity();
  observed_hi_ = -std::numeric_limits<float>::infinity();
}

void ActivationQuantizer::finish_observing() {
  require(observing_, "activation quantizer: finish_observing without start_observing");
  observing_ = false;
  if (observed_lo_ > observed_hi_) return;  // saw nothing: keep the current grid
  set_from_observed(observed_lo_, observed_hi_);
}

void ActivationQuantizer::record_range(const Tensor& input) {
  const float* x = input.data();
  for (int64_t i = 0; i < input.size(); ++i) {
    observed_lo_ = std::min(observed_lo_, x[i]);
    observed_hi_ = std::max(observed_hi_, x[i]);
  }
}

void ActivationQuantizer::fake_quantize(const Tensor& input, Tensor& output) {
  const QuantGrid g = grid();
  output.resize(input.shape());
  mask_.resize(static_cast<size_t>(input.size()));
  const float* x = input.data();
  float* y = output.data();
  uint8_t* m = mask_.data();
  const float inv = 1.f / g.scale, lo = static_cast<float>(g.qmin), hi = static_cast<float>(g.qmax);
  const float zp = static_cast<float>(g.zero_point);
  parallel_for(input.size(), 16384, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const float q = std::nearbyint(x[i] * inv) + zp;
      m[i] = q >= lo && q <= hi;
      y[i] = (std::min(std::max(q, lo), hi) - zp) * g.scale;
    }
  });
}

}  // namespace mpq
