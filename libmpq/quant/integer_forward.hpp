#pragma once
// The evaluation forward of a weight-quantized conv or linear layer computed as its integer
// kernel computes it: the accumulator from the input and weight codes, the bias in the
// accumulator's unit, and the kernel's requantization (multiplier, shift, ties up), so
// that the fake-quant model's output codes are the integer model's.
//
// Why: the float forward sums code * s_in times code * s_w, each product rounded, and the
// terms cancel (a 4-bit depthwise channel: +-105 units summing to 4), so its error reaches
// tens of float ulps of the result. Where a channel's s_in * s_w / s_out is within that of
// a short dyadic fraction, many accumulator values land that close to an output half, and
// float and integer round them apart: issue 13, a PACT w4a4 fine-tune (8-bit first and last
// layers, 4 epochs) had one depthwise channel with s_in * s_w / s_out = 0.125000064, exact
// 0.50000026 computed as 0.4999996, 98.80 % top-1 agreement.

#include <cstdint>
#include <vector>

#include "libmpq/nn/layer.hpp"
#include "libmpq/quant/activation_quantizer.hpp"

namespace mpq {

// The bias of one output channel as the integer runtime stores it, in accumulator units
// (accumulator_scale), before the input zero point is folded in: rounded to bias_step's
// grid, then a coarse step is 2^(8 - bits) units. The exporter stores it; the integer
// forward adds it.
double accumulator_bias(float bias, double input_scale, double weight_scale, int bits, bool fine_bias);

struct IntegerForwardArgs {
  Layer* inner;                       // the Conv2d or Linear; its weight and bias are swapped out and back
  Parameter* inner_weight;
  Parameter* inner_bias;              // null: no bias
  const Tensor* master_weight;        // the float master weights, coded with weight_code
  const Tensor* master_bias;          // null with inner_bias
  const std::vector<float>* scales;   // per output channel
  int bits;
  bool fine_bias;
  QuantGrid in, out;
};

// Computes `output` from `x` (values on the grid `in`): the exact accumulator's real value,
// or, within 1e-5 of an output half, r * s_out with r the kernel's requantized accumulator
// (unclamped): the output quantizer rounds either to the kernel's code, and the channel
// statistics (correct_channel_statistics) still see the layer's real outputs.
// Returns false, leaving nothing changed, when the float sums of codes the inner layer
// computes could be inexact (a reduction's bound of |sum| above 2^24) or the ratio has no
// multiplier: the caller then runs the float forward.
bool integer_forward(const IntegerForwardArgs& a, const Tensor& x, Tensor& output);

}  // namespace mpq
