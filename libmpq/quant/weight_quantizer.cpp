#include "libmpq/quant/weight_quantizer.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "libmpq/core/error.hpp"
#include "libmpq/quant/activation_quantizer.hpp"
#include "libmpq/quant/fast_round.hpp"
#include "libmpq/quant/integer_forward.hpp"
#include "libmpq/quant/lsq_quantizer.hpp"
#include "libmpq/tensor/parallel.hpp"

namespace mpq {

int32_t weight_code_max(int bits) { return (1 << (bits - 1)) - 1; }

double accumulator_scale(double input_scale, double weight_scale, int bits) {
  return input_scale * weight_scale / static_cast<double>(1 << (8 - bits));
}

double bias_step(double input_scale, double weight_scale, int bits, bool fine_bias) {
  return fine_bias ? accumulator_scale(input_scale, weight_scale, bits) : input_scale * weight_scale;
}

// w * (1 / scale), as the fake-quant forward (quantize_channels) computes it: w / scale can
// round to the other side of a code's half where the two differ in the last bit, and a
// learned step left one weight of a w2a2 fine-tune there (issue 13: one channel's codes one
// lower on the integer path, top-1 agreement 86.3 %).
int32_t weight_code(float w, float scale, int bits) {
  const float m = static_cast<float>(weight_code_max(bits)), inv = 1.f / scale;
  return static_cast<int32_t>(std::min(std::max(round_small(std::min(std::max(w * inv, -m - 1.f), m + 1.f)), -m), m));
}

namespace {
// Squared error of quantizing w[0..n) with `scale` (codes clamped to +-m).
double rounding_error(const float* w, int64_t n, float scale, float m) {
  const float inv = 1.f / scale;
  float error = 0.f;
  for (int64_t i = 0; i < n; ++i) {
    const float q = std::min(std::max(round_small(std::min(std::max(w[i] * inv, -m - 1.f), m + 1.f)), -m), m);
    const float d = q * scale - w[i];
    error += d * d;
  }
  return error;
}
}  // namespace

float choose_weight_scale(const float* w, int64_t n, int bits) {
  float max_abs = 0.f;
  for (int64_t i = 0; i < n; ++i) max_abs = std::max(max_abs, std::abs(w[i]));
  if (max_abs == 0.f) return 1.f;  // all-zero channel: any scale represents it exactly
  const float qmax = static_cast<float>(weight_code_max(bits));
  // Clipping pays only for ternary weights: at 4 bits the MSE clip of the largest weights
  // cost the default model 12 points before fine-tuning (w4a8, unclipped activations:
  // 74.9% vs 86.7% validation; issue 13).
  if (bits >= 4) return max_abs / qmax;
  float best_scale = max_abs / qmax;
  double best_error = -1;
  for (int step = 0; step <= 14; ++step) {
    const float scale = max_abs * (1.f - 0.05f * static_cast<float>(step)) / qmax;
    const double error = rounding_error(w, n, scale, qmax);
    if (best_error < 0 || error < best_error) {
      best_error = error;
      best_scale = scale;
    }
  }
  return best_scale;
}

namespace {
// out = code * scale per output channel (w's first dimension), or with the scales given
// (search = false) or searched into `scales` (search = true).
void quantize_channels(const Tensor& w, int bits, bool per_tensor, bool search, Tensor& out, std::vector<float>& scales) {
  const int64_t channels = w.dim(0);
  const int64_t per_channel = w.size() / channels;
  out.resize(w.shape());
  if (search) {
    scales.assign(static_cast<size_t>(channels), 0.f);
    if (per_tensor) std::fill(scales.begin(), scales.end(), choose_weight_scale(w.data(), w.size(), bits));
  }
  parallel_for(channels, 8, [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) {
      const float* src = w.data() + c * per_channel;
      float& s = scales[static_cast<size_t>(c)];
      if (search && !per_tensor) s = choose_weight_scale(src, per_channel, bits);
      float* dst = out.data() + c * per_channel;
      const float m = static_cast<float>(weight_code_max(bits)), inv = 1.f / s;
      for (int64_t k = 0; k < per_channel; ++k)
        dst[k] = std::min(std::max(round_small(std::min(std::max(src[k] * inv, -m - 1.f), m + 1.f)), -m), m) * s;
    }
  });
}

// A learned step is kept at or above 1/256 of its channel's max|w| / Qp. Below that every
// weight clips to +-Qp codes anyway (the step only scales the channel down), and the
// export would need biases beyond int32 at scale s_in * s_w. A step pushed under it, as
// the first conv's 9-weight channels are by early large gradients, is put back on it.
float step_floor(const float* w, int64_t n, int bits) {
  float max_abs = 0.f;
  for (int64_t i = 0; i < n; ++i) max_abs = std::max(max_abs, std::abs(w[i]));
  return std::max(max_abs / (256.f * static_cast<float>(weight_code_max(bits))), 1e-8f);
}
}  // namespace

float lsq_initial_weight_step(const float* w, int64_t n, int bits) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += std::abs(w[i]);
  const double mean_abs = sum / static_cast<double>(std::max<int64_t>(n, 1));
  const double step = 2.0 * mean_abs / std::sqrt(static_cast<double>(weight_code_max(bits)));
  return step > 0 ? static_cast<float>(step) : 1.f;  // all-zero channel: any step represents it
}

const char* weight_step_init_name(WeightStepInit init) {
  switch (init) {
    case WeightStepInit::mse: return "mse";
    case WeightStepInit::mse_depthwise: return "mse-depthwise";
    case WeightStepInit::mse_8: return "mse-8";
    case WeightStepInit::mse_4_8: return "mse-4-8";
    case WeightStepInit::lsq: break;
  }
  return "lsq";
}

WeightStepInit parse_weight_step_init(const std::string& name) {
  for (WeightStepInit init : {WeightStepInit::lsq, WeightStepInit::mse, WeightStepInit::mse_depthwise,
                              WeightStepInit::mse_8, WeightStepInit::mse_4_8})
    if (name == weight_step_init_name(init)) return init;
  throw Error("weight step init: '" + name + "' is not one of lsq, mse, mse-depthwise, mse-8, mse-4-8");
}

WeightStepInit layer_weight_step_init(WeightStepInit init, int bits, bool depthwise) {
  bool mse = init == WeightStepInit::mse;
  if (init == WeightStepInit::mse_depthwise) mse = depthwise && bits == 2;
  if (init == WeightStepInit::mse_8) mse = bits == 8;
  if (init == WeightStepInit::mse_4_8) mse = bits >= 4;
  return mse ? WeightStepInit::mse : WeightStepInit::lsq;
}

float mse_initial_weight_step(const float* w, int64_t n, int bits) {
  float max_abs = 0.f;
  for (int64_t i = 0; i < n; ++i) max_abs = std::max(max_abs, std::abs(w[i]));
  if (max_abs == 0.f) return 1.f;  // all-zero channel: any step represents it
  const float m = static_cast<float>(weight_code_max(bits));
  float best_s = max_abs / m;
  double best_e = -1;
  for (int k = 0; k <= 45; ++k) {
    const float s = (1.f - 0.02f * static_cast<float>(k)) * max_abs / m, inv = 1.f / s;
    double e = 0;
    for (int64_t i = 0; i < n; ++i) {
      const float q = std::min(std::max(std::nearbyint(w[i] * inv), -m), m) * s;
      e += static_cast<double>(q - w[i]) * static_cast<double>(q - w[i]);
    }
    if (best_e < 0 || e < best_e) {
      best_e = e;
      best_s = s;
    }
  }
  return best_s;
}

void fake_quantize_weights(const Tensor& w, int bits, bool per_tensor, Tensor& out, std::vector<float>& scales) {
  require(bits == 2 || bits == 4 || bits == 8, "weight quantizer: bits must be 2, 4 or 8");
  quantize_channels(w, bits, per_tensor, /*search=*/true, out, scales);
}

WeightQuantized::WeightQuantized(std::unique_ptr<Layer> inner, int bits, bool per_tensor, bool learned_step,
                                 bool fine_bias, WeightStepInit step_init)
    : inner_(std::move(inner)), bits_(bits), per_tensor_(per_tensor), learned_step_(learned_step),
      fine_bias_(fine_bias), step_init_(step_init) {
  require(bits == 2 || bits == 4 || bits == 8, "weight quantizer: bits must be 2, 4 or 8");
  auto params = inner_->parameters();
  require(!params.empty() && params[0]->name == "weight", "weight quantizer: the inner layer has no 'weight'");
  inner_weight_ = params[0];
  master_.name = "weight";
  master_.value = inner_weight_->value;
  master_.grad = Tensor(master_.value.shape());
  master_.weight_decay = inner_weight_->weight_decay;
  if (params.size() > 1) {
    inner_bias_ = params[1];
    master_bias_.name = inner_bias_->name;
    master_bias_.value = inner_bias_->value;
    master_bias_.grad = Tensor(master_bias_.value.shape());
    master_bias_.weight_decay = inner_bias_->weight_decay;
  }
  if (learned_step_) {
    step_ = Parameter("step", {per_tensor_ ? 1 : master_.value.dim(0)}, /*decay=*/false);
    restart_learned_step();
  }
  refresh();
}

void WeightQuantized::restart_learned_step() {
  if (!learned_step_) return;
  const int64_t channels = master_.value.dim(0), per_channel = master_.value.size() / channels;
  // Per-depthwise choices are resolved by build_fake_quant_model; here a layer knows its bits.
  const auto initial = layer_weight_step_init(step_init_, bits_, /*depthwise=*/false) == WeightStepInit::mse
                           ? mse_initial_weight_step
                           : lsq_initial_weight_step;
  for (int64_t c = 0; c < step_.value.size(); ++c)
    step_.value[c] = per_tensor_ ? initial(master_.value.data(), master_.value.size(), bits_)
                                 : initial(master_.value.data() + c * per_channel, per_channel, bits_);
}

std::string WeightQuantized::describe() const {
  return "w" + std::to_string(bits_) + (per_tensor_ ? " per-tensor " : " ") + (learned_step_ ? "lsq " : "") +
         (fine_bias_ && bits_ < 8 ? "fine-bias " : "") +
         inner_->describe();
}

namespace {
bool same_values(const Tensor& a, const Tensor& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), static_cast<size_t>(a.size()) * sizeof(float)) == 0;
}
}  // namespace

void WeightQuantized::refresh() {
  // While the input quantizer observes (calibration) the network runs its float functions:
  // the input is not rounded, and its grid is still the uncalibrated default (6 / Qp after
  // a ReLU6: a bias grid of 2 * s_w at 2-bit activations), so the bias stays float too.
  // Rounded to that grid, biases shifted every channel the calibration measured.
  const bool float_bias = !input_ || input_->observing();
  const float s_in = float_bias ? 0.f : input_->grid().scale;
  if (refreshed_ && input_ == refreshed_input_ && s_in == refreshed_input_scale_ &&
      same_values(master_.value, refreshed_weight_) && (!inner_bias_ || same_values(master_bias_.value, refreshed_bias_)) &&
      (!learned_step_ || same_values(step_.value, refreshed_step_)))
    return;
  if (learned_step_) {
    const int64_t channels = master_.value.dim(0), per_channel = master_.value.size() / channels;
    scales_.assign(static_cast<size_t>(channels), 0.f);
    const float tensor_floor = per_tensor_ ? step_floor(master_.value.data(), master_.value.size(), bits_) : 0.f;
    for (int64_t c = 0; c < channels; ++c)
      scales_[static_cast<size_t>(c)] =
          per_tensor_ ? std::max(step_.value[0], tensor_floor)
                      : std::max(step_.value[c], step_floor(master_.value.data() + c * per_channel, per_channel, bits_));
    quantize_channels(master_.value, bits_, per_tensor_, /*search=*/false, inner_weight_->value, scales_);
    refreshed_step_ = step_.value;
  } else {
    fake_quantize_weights(master_.value, bits_, per_tensor_, inner_weight_->value, scales_);
  }
  if (inner_bias_) {
    if (float_bias) {
      inner_bias_->value = master_bias_.value;
    } else {
      for (int64_t o = 0; o < master_bias_.value.size(); ++o) {
        const double step = bias_step(s_in, scales_[static_cast<size_t>(o)], bits_, fine_bias_);
        inner_bias_->value[o] = static_cast<float>(std::nearbyint(master_bias_.value[o] / step) * step);
      }
    }
    refreshed_bias_ = master_bias_.value;
  }
  refreshed_weight_ = master_.value;
  refreshed_input_ = input_;
  refreshed_input_scale_ = s_in;
  refreshed_ = true;
}

void WeightQuantized::forward(const std::vector<const Tensor*>& inputs, Tensor& output, bool training) {
  refresh();
  // Projected SGD: a learned step under its floor continues from the floor.
  if (learned_step_ && training)
    for (int64_t i = 0; i < step_.value.size(); ++i) step_.value[i] = scales_[static_cast<size_t>(i)];
  // Training keeps the float forward (its backward is the inner layer's); evaluation
  // computes what the integer model computes, code for code.
  if (!training && input_ && output_ && !input_->observing() && !output_->observing()) {
    const IntegerForwardArgs args{inner_.get(), inner_weight_, inner_bias_, &master_.value,
                                  inner_bias_ ? &master_bias_.value : nullptr, &scales_, bits_, fine_bias_,
                                  input_->grid(), output_->grid()};
    if (integer_forward(args, *inputs[0], output)) return;
  }
  inner_->forward(inputs, output, training);
}

void WeightQuantized::backward(const std::vector<const Tensor*>& inputs, const Tensor& output,
                               const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) {
  inner_weight_->grad.zero();
  if (inner_bias_) inner_bias_->grad.zero();
  inner_->backward(inputs, output, grad_output, grad_inputs);
  if (learned_step_) {
    learned_step_backward();
  } else {
    // Straight-through: d(loss)/d(master) = d(loss)/d(quantized).
    for (int64_t i = 0; i < master_.grad.size(); ++i) master_.grad[i] += inner_weight_->grad[i];
  }
  if (inner_bias_)
    for (int64_t i = 0; i < master_bias_.grad.size(); ++i) master_bias_.grad[i] += inner_bias_->grad[i];
}

void WeightQuantized::learned_step_backward() {
  const int64_t channels = master_.value.dim(0), per_channel = master_.value.size() / channels;
  const float m = static_cast<float>(weight_code_max(bits_));
  const float* __restrict w = master_.value.data();
  const float* __restrict gq = inner_weight_->grad.data();
  float* __restrict gw = master_.grad.data();
  // Channel sums in double; per tensor they are added up in channel order (deterministic).
  std::vector<double> d_step(static_cast<size_t>(channels), 0.0);
  parallel_for(channels, 8, [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) {
      const float inv = 1.f / scales_[static_cast<size_t>(c)];
      double sum = 0;
      for (int64_t k = c * per_channel; k < (c + 1) * per_channel; ++k) {
        const float v = std::min(std::max(w[k] * inv, -m - 1.f), m + 1.f);
        const bool below = v < -m, above = v > m;
        sum += static_cast<double>(gq[k] * (below ? -m : above ? m : round_small(v) - v));
        if (!below && !above) gw[k] += gq[k];
      }
      d_step[static_cast<size_t>(c)] = sum;
    }
  });
  const float g = lsq_gradient_scale(per_tensor_ ? master_.value.size() : per_channel, weight_code_max(bits_));
  if (per_tensor_) {
    double total = 0;
    for (double d : d_step) total += d;
    step_.grad[0] += static_cast<float>(total * g);
  } else {
    for (int64_t c = 0; c < channels; ++c) step_.grad[c] += static_cast<float>(d_step[static_cast<size_t>(c)] * g);
  }
}

std::vector<Parameter*> WeightQuantized::parameters() {
  std::vector<Parameter*> out{&master_};
  if (inner_bias_) out.push_back(&master_bias_);
  if (learned_step_) out.push_back(&step_);
  return out;
}

}  // namespace mpq
