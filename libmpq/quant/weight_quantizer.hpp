#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "libmpq/nn/layer.hpp"

namespace mpq {

// Symmetric signed weight quantization with zero point 0: codes -(2^(b-1)-1) ..
// 2^(b-1)-1 (2-bit: -1, 0, 1), one scale per output channel (or one for the tensor).
// The scale is clip / (2^(b-1)-1): at 4 and 8 bits clip = max|w|; at 2 bits the clip
// minimizing the squared rounding error over ratios 1, 0.95, ..., 0.30 of max|w|.
int32_t weight_code_max(int bits);
float choose_weight_scale(const float* w, int64_t n, int bits);
int32_t weight_code(float w, float scale, int bits);
// The LSQ paper's initial step, 2 * mean|w| / sqrt(Qp). (Starting from the searched scale
// instead put the largest weight on the clip, where d/ds = Qp: at 8 bits the steps then
// collapsed within 40 batches.)
float lsq_initial_weight_step(const float* w, int64_t n, int bits);
// How a learned weight step starts: the LSQ paper's 2 * mean|w| / sqrt(Qp), or the step of
// least squared rounding error (mse_initial_weight_step); mse_depthwise: mse for 2-bit
// depthwise convs (9 weights a channel), lsq for the rest; mse_8: mse for 8-bit weights,
// lsq for 2 and 4 bits; mse_4_8: mse for 4- and 8-bit weights, lsq for 2 bits (the mixed
// ones resolved per layer by build_fake_quant_model). Why mse_8: LSQ's start suits few
// levels; an 8-bit layer starts with codes within about +-17 of +-127, and the 8-bit first
// conv of a w4a2 policy lost 12-15 points after its fine-tune (docs/quantization.md).
enum class WeightStepInit : int { lsq, mse, mse_depthwise, mse_8, mse_4_8 };
const char* weight_step_init_name(WeightStepInit init);  // "lsq", "mse", "mse-depthwise", "mse-8", "mse-4-8"
// The init a layer of `bits`-bit weights (depthwise or not) starts from: lsq or mse.
WeightStepInit layer_weight_step_init(WeightStepInit init, int bits, bool depthwise);
WeightStepInit parse_weight_step_init(const std::string& name);  // throws Error naming the choices
// The step f * max|w| / Qp, f in {1.00, 0.98, ..., 0.10}, with the least squared rounding
// error of w: a ternary depthwise channel has only 9 weights, and the paper's initial step
// (made for thousands) can leave most of them at 0 or clip the ones that carry it.
float mse_initial_weight_step(const float* w, int64_t n, int bits);

// Fake-quantizes `w` whose first dimension is the output channel: out = code * scale.
// `scales` gets one entry per channel (per_tensor: all equal).
void fake_quantize_weights(const Tensor& w, int bits, bool per_tensor, Tensor& out, std::vector<float>& scales);

// The unit of a layer's integer accumulator, and so of its bias: s_in * s_w / 2^(8 - bits).
// The integer kernels count a b-bit weight code as code * 2^(8 - b) (the top bits of an
// 8-bit weight, libmpq/kernels/quant_params.hpp), which carries the bias of ternary weights
// 64 times finer than s_in * s_w at no cost per element. The requantization multiplier is
// always of this unit; the bias is stored in it too, but on the grid of bias_step.
double accumulator_scale(double input_scale, double weight_scale, int bits);

// The grid a layer's bias is rounded to, by the fake-quant forward and the exporter alike:
// s_in * s_w (coarse, the default) or, with fine_bias, accumulator_scale. Coarse stays the
// default: controlled single runs of either sign (docs/quantization.md) do not separate
// them. A coarse bias k * s_in * s_w is the exact accumulator integer k * 2^(8 - bits), so
// both grids stay bit-exact with the kernels.
double bias_step(double input_scale, double weight_scale, int bits, bool fine_bias);

class ActivationQuantizer;

// Wraps a Conv2d or Linear whose weights are fake-quantized on every forward: the
// float master weights are what the optimizer updates (exposed as "weight"), the inner
// layer computes with their quantized copy, and the weight gradient passes straight
// through. Once the quantizer of the layer's input is known (set_input_quantizer), the
// bias is rounded as the integer runtime stores it, to the grid of bias_step: an
// exact constant difference would otherwise shift whole uniform regions (an image's
// background) across a rounding boundary of the output grid. kind() is the inner
// layer's kind: code that needs the inner type must dynamic_cast inner(), never
// static_cast this layer.
// With learned_step (LSQ, Esser et al. 2020) the scales are not searched at every forward
// but are a parameter ("step", one per output channel or one for the tensor, no weight
// decay) initialized by lsq_initial_weight_step and trained: with v = w / s,
//   dw_q/dw = 1 for -Qp <= v <= Qp, else 0;  dw_q/ds = round(v) - v inside, -Qp / Qp
// below / above, times g = 1 / sqrt(N * Qp) (N weights share the step).
class WeightQuantized : public Layer {
 public:
  WeightQuantized(std::unique_ptr<Layer> inner, int bits, bool per_tensor = false, bool learned_step = false,
                  bool fine_bias = false, WeightStepInit step_init = WeightStepInit::lsq);

  LayerKind kind() const override { return inner_->kind(); }
  std::string describe() const override;
  Shape output_shape(const std::vector<Shape>& inputs) const override { return inner_->output_shape(inputs); }
  void forward(const std::vector<const Tensor*>& inputs, Tensor& output, bool training) override;
  void backward(const std::vector<const Tensor*>& inputs, const Tensor& output, const Tensor& grad_output,
                const std::vector<Tensor*>& grad_inputs) override;
  std::vector<Parameter*> parameters() override;
  int64_t macs(const std::vector<Shape>& inputs) const override { return inner_->macs(inputs); }

  Layer& inner() { return *inner_; }
  const Layer& inner() const { return *inner_; }
  int bits() const { return bits_; }
  bool per_tensor() const { return per_tensor_; }
  bool learned_step() const { return learned_step_; }
  bool fine_bias() const { return fine_bias_; }  // the bias grid, see bias_step
  // The per-channel scales of the last forward (what export uses).
  const std::vector<float>& scales() const { return scales_; }
  Parameter& master_weight() { return master_; }
  Parameter& master_bias() { return master_bias_; }
  Parameter& step() { return step_; }  // empty without learned_step
  void set_input_quantizer(const ActivationQuantizer* input) { input_ = input; }
  // The quantizer of this layer's output. Once both are known (and calibrated), the
  // evaluation forward computes as the integer kernel does (integer_forward): the float
  // sums' rounding put outputs near a half on the other side (issue 13).
  void set_output_quantizer(const ActivationQuantizer* output) { output_ = output; }
  // Quantizes the current master weights into the inner layer (done by forward too).
  // Skipped when the master weights, bias and input scale are those of the last refresh:
  // at inference the scale search was 40% of a fake-quant forward.
  void refresh();
  // Initializes the learned step again (as step_init says) from the current master
  // weights, as the constructor did from the first ones; nothing without learned_step.
  void restart_learned_step();

 private:
  void learned_step_backward();

  std::unique_ptr<Layer> inner_;
  Parameter* inner_weight_;
  Parameter* inner_bias_ = nullptr;
  Parameter master_, master_bias_, step_;
  const ActivationQuantizer* input_ = nullptr;
  const ActivationQuantizer* output_ = nullptr;
  int bits_;
  bool per_tensor_;
  bool learned_step_;
  bool fine_bias_;
  WeightStepInit step_init_;
  std::vector<float> scales_;
  // What the inner layer's quantized copy was made from (see refresh()).
  bool refreshed_ = false;
  Tensor refreshed_weight_, refreshed_bias_, refreshed_step_;
  const ActivationQuantizer* refreshed_input_ = nullptr;
  float refreshed_input_scale_ = 0.f;
};

}  // namespace mpq
