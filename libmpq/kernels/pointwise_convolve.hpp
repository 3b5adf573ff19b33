#pragma once
// Pointwise (1x1, stride 1, no padding) convolution: a per-pixel matrix product, the bulk of
// a MobileNet's multiply-accumulates. HWC activations; weights are rows of input_c values,
// one per output channel (OHWI with kh = kw = 1, so conv_weight_bytes(c_out, 1, 1, c_in, b)).
//
//   acc = bias[o] + sum_c w[o][c] * x[y][x][c]        (bias folded: fold_input_zero_point;
//                                                     w: get_weight, the code * 2^(8 - bits))
//   out[y][x][o] = requantize_to_code(acc, multiplier[o], shift[o], output.zero_point,
//                                     output.min, output.max)
// Exactly convolve_ref with a 1x1 kernel; a strided 1x1 convolution goes through convolve.
// The output must not overlap the input.

#include <cstdint>

#include "libmpq/kernels/quant_params.hpp"
#include "libmpq/kernels/status.hpp"

namespace mpq::kernels {

struct PointwiseParams {
  int32_t input_h, input_w, input_c;
  int32_t output_c;
  ActivationFormat input;
  int32_t weight_bits;
  OutputFormat output;
};

// Validates `params` (not pointers or per-channel arrays), once at load time.
Status pointwise_convolve_check(const PointwiseParams& params);

Status pointwise_convolve_ref(const PointwiseParams& params, const uint8_t* input,
                              const uint8_t* weights, const int32_t* bias,
                              const int32_t* multiplier, const int32_t* shift,
                              uint8_t* output);

// Scratch bytes of pointwise_convolve_fast, the same on every target; 0 for invalid params.
int32_t pointwise_convolve_fast_get_buffer_size(const PointwiseParams& params);

Status pointwise_convolve_fast(const PointwiseParams& params, const uint8_t* input,
                               const uint8_t* weights, const int32_t* bias,
                               const int32_t* multiplier, const int32_t* shift, void* scratch,
                               int32_t scratch_bytes, uint8_t* output);

// pointwise_convolve_fast for one weight width (weight_bits == WB, else bad_bits), instantiated for 8, 4
// and 2: a caller that names its widths (libmpq/runtime's per-model kernel tables)
// links only their code; pointwise_convolve_fast dispatches to these.
template <int WB>
Status pointwise_convolve_fast_bits(const PointwiseParams& params, const uint8_t* input,
                               const uint8_t* weights, const int32_t* bias,
                               const int32_t* multiplier, const int32_t* shift, void* scratch,
                               int32_t scratch_bytes, uint8_t* output);

}  // namespace mpq::kernels
