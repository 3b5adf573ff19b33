#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libmpq/nn/layer.hpp"

namespace mpq {

// The uniform grid of a quantized activation tensor: code q = clamp(round(x / scale) +
// zero_point, qmin, qmax) stands for the real value (q - zero_point) * scale. This is
// exactly what the integer runtime stores (unsigned codes, docs/architecture.md).
struct QuantGrid {
  float scale = 1.f;
  int32_t zero_point = 0;
  int bits = 8;
  int32_t qmin = 0, qmax = 255;

  float quantize(float x) const;       // fake-quant: the real value of x's code
  int32_t code(float x) const;          // the code itself
  float lowest() const { return static_cast<float>(qmin - zero_point) * scale; }
  float highest() const { return static_cast<float>(qmax - zero_point) * scale; }
};

// How calibration sets a 2-bit activation grid from the observed values (4 and 8 bits always
// take the observed range): mse, the clip of least squared rounding error among {1.00, 0.95,
// ..., 0.30} of the observed range; mse_wide, the same down to 0.05 (a ReLU output's range
// is set by a few large values, its bulk lies far below); percentile, the range of the
// values' 0.1st..99.9th percentiles; lsq, the LSQ paper's step 2 * mean|x| / sqrt(Qp).
enum class ActivationInit : int { mse, mse_wide, percentile, lsq };
const char* activation_init_name(ActivationInit init);  // "mse", "mse-wide", "p99.9", "lsq"
ActivationInit parse_activation_init(const std::string& name);  // throws Error naming the choices

// A fake-quantization node for an activation tensor: forward rounds every value to its
// grid, backward passes the gradient straight through where the value lies inside the
// grid's range (zero where it was clipped). While observing (calibration), forward
// passes values through unchanged and records their range, from which the grid is then
// initialized by finish_observing().
class ActivationQuantizer : public Layer {
 public:
  LayerKind kind() const override { return LayerKind::FakeQuant; }
  Shape output_shape(const std::vector<Shape>& inputs) const override;
  // Straight-through where the last forward's value was inside the grid, zero where it
  // was clipped (PACT overrides it for its clip's gradient).
  void backward(const std::vector<const Tensor*>& inputs, const Tensor& output, const Tensor& grad_output,
                const std::vector<Tensor*>& grad_inputs) override;
  virtual QuantGrid grid() const = 0;
  int bits() const { return bits_; }

  // How the next calibrations set a 2-bit grid (default mse).
  void set_init(ActivationInit init) { init_ = init; }
  void start_observing();
  void finish_observing();
  bool observing() const { return observing_; }

 protected:
  explicit ActivationQuantizer(int bits);
  // Rounds `input` to grid() into `output`; fills mask_ (1 where the gradient passes).
  void fake_quantize(const Tensor& input, Tensor& output);
  // Records the range of `values` (what the float function outputs) and keeps a
  // deterministic subsample of them for choosing the clip.
  void record_range(const Tensor& values);
  virtual void set_from_observed(float lo, float hi) = 0;
  // Mean squared error of rounding the recorded samples to `grid`.
  double sample_error(const QuantGrid& grid) const;
  // At 4 and 8 bits 1 (the observed range); at 2 bits the fraction f of {1.00, 0.95, ...,
  // 0.30} whose make_grid(f) rounds the samples with the least squared error (clipping
  // outliers buys resolution). The MSE clip cut rare large activations that the
  // classification depends on: before fine-tuning, the default model at w8a8 lost 5.2
  // points with it (86.2% vs 91.3% validation, float 91.4%), at w8a4 4.1 (issue 13).
  template <class MakeGrid>
  float best_clip_fraction(MakeGrid make_grid) const {
    if (bits_ >= 4 || init_ == ActivationInit::percentile || init_ == ActivationInit::lsq) return 1.f;
    float best_f = 1.f;
    double best_e = -1;
    for (int k = 0; k <= (init_ == ActivationInit::mse_wide ? 19 : 14); ++k) {
      const float f = 1.f - 0.05f * static_cast<float>(k);
      const double e = sample_error(make_grid(f));
      if (best_e < 0 || e < best_e) {
        best_e = e;
        best_f = f;
      }
    }
    return best_f;
  }
  std::vector<float> samples_;

  int bits_;
  ActivationInit init_ = ActivationInit::mse;
  bool observing_ = false;
  float observed_lo_ = 0.f, observed_hi_ = 0.f;
  std::vector<uint8_t> mask_;
};

}  // namespace mpq
