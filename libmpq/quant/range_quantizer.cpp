#include "libmpq/quant/range_quantizer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "libmpq/core/error.hpp"

namespace mpq {

QuantGrid asymmetric_grid(int bits, float lo, float hi) {
  lo = std::min(lo, 0.f);
  hi = std::max(hi, 0.f);
  if (hi - lo < 1e-6f) hi = lo + 1e-6f;
  QuantGrid g;
  g.bits = bits;
  g.qmin = 0;
  g.qmax = (1 << bits) - 1;
  g.scale = (hi - lo) / static_cast<float>(g.qmax);
  g.zero_point = static_cast<int32_t>(std::min<float>(std::max<float>(std::nearbyint(-lo / g.scale), 0.f), g.qmax));
  return g;
}

RangeQuantizer::RangeQuantizer(int bits, float lo, float hi, bool frozen, float momentum)
    : ActivationQuantizer(bits), range_({2}), frozen_(frozen), momentum_(momentum) {
  set_range(lo, hi);
}

void RangeQuantizer::set_range(float lo, float hi) {
  range_[0] = std::min(lo, 0.f);
  range_[1] = std::max(hi, 0.f);
}

std::string RangeQuantizer::describe() const {
  char buf[96];
  std::snprintf(buf, sizeof buf, "u%d asym [%.4g, %.4g]%s", bits_, static_cast<double>(range_[0]),
                static_cast<double>(range_[1]), frozen_ ? " frozen" : "");
  return buf;
}

QuantGrid RangeQuantizer::grid() const { return asymmetric_grid(bits_, range_[0], range_[1]); }

void RangeQuantizer::set_from_observed(float lo, float hi) {
  if (frozen_) return;
  lo = std::min(lo, 0.f);
  hi = std::max(hi, 0.f);
  const float f = best_clip_fraction([&](float k) { return asymmetric_grid(bits_, k * lo, k * hi); });
  set_range(f * lo, f * hi);
}

void RangeQuantizer::forward(const std::vector<const Tensor*>& inputs, Tensor& output, bool training) {
  const Tensor& x = *inputs[0];
  moved_ = false;
  if (observing_) {
    record_range(x);
    output = x;
    mask_.assign(static_cast<size_t>(x.size()), 1);
    return;
  }
  if (training && !frozen_ && x.size() > 0) {
    moved_ = true;
    auto [lo, hi] = std::minmax_element(x.data(), x.data() + x.size());
    batch_lo_ = std::min(*lo, 0.f);
    batch_hi_ = std::max(*hi, 0.f);
    move_towards(batch_lo_, batch_hi_);
  }
  fake_quantize(x, output);
}

void RangeQuantizer::move_towards(float lo, float hi) {
  set_range((1 - momentum_) * range_[0] + momentum_ * lo, (1 - momentum_) * range_[1] + momentum_ * hi);
}

std::vector<double> RangeQuantizer::batch_statistics() const {
  if (!moved_) return {};
  return {static_cast<double>(batch_lo_), static_cast<double>(batch_hi_)};
}

void RangeQuantizer::update_running_state(const std::vector<const double*>& shards) {
  require(!shards.empty(), "range quantizer: no shard statistics");
  // Minima and maxima combine exactly in any order; the values are floats, held in double.
  float lo = static_cast<float>(shards[0][0]), hi = static_cast<float>(shards[0][1]);
  for (const double* s : shards) {
    lo = std::min(lo, static_cast<float>(s[0]));
    hi = std::max(hi, static_cast<float>(s[1]));
  }
  move_towards(lo, hi);
}

}  // namespace mpq
