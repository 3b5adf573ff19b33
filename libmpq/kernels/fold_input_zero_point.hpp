#pragma once
// The kernels take a "folded" bias: the quantized bias minus input_zero_point times the sum
// of the output channel's weights (over every tap). With padding fed as the zero point,
// acc = folded_bias + sum w * x (w = get_weight: the code times 2^(8 - weight_bits), the unit
// of the kernels' bias) then equals bias_q + sum w * (x - zero_point), i.e. padding
// is real zero, and the hot loops never subtract the zero point. The converter calls these
// once per layer.

#include <cstdint>

#include "libmpq/kernels/status.hpp"

namespace mpq::kernels {

// Convolution (taps = kernel_h * kernel_w), pointwise (taps = 1) and fully connected
// (taps = 1) weights, OHWI packed: bias_out[o] = bias_in[o] - zero_point * sum(w[o]),
// modulo 2^32. bias_in may be null (zero); bias_out may equal bias_in.
Status fold_input_zero_point(const uint8_t* weights, int32_t out_channels, int32_t taps,
                             int32_t in_channels, int32_t weight_bits,
                             int32_t input_zero_point, const int32_t* bias_in,
                             int32_t* bias_out);

// Depthwise weights (HWC, taps = kernel_h * kernel_w rows of `channels` values):
// bias_out[c] = bias_in[c] - zero_point * sum_t w[t][c].
Status fold_input_zero_point_depthwise(const uint8_t* weights, int32_t taps, int32_t channels,
                                       int32_t weight_bits, int32_t input_zero_point,
                                       const int32_t* bias_in, int32_t* bias_out);

}  // namespace mpq::kernels
