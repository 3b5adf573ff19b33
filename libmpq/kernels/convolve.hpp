#pragma once
// General 2-D convolution (groups = 1), HWC activations, OHWI weights, any kernel size,
// stride and padding, b-bit input / weights / output for every b in {2,4,8}.
//
// For output pixel (oy, ox) and output channel o:
//   acc = bias[o] + sum_{ky,kx,c} w[o][ky][kx][c] * x[oy*stride_h - pad_top + ky]
//                                                     [ox*stride_w - pad_left + kx][c]
// where w is the weight's code times 2^(8 - weight_bits) (get_weight: the bias and the
// multiplier are in that unit, quant_params.hpp) and x outside the image is
// input.zero_point (real zero). `bias` is the folded bias
// (fold_input_zero_point): the quantized bias minus input.zero_point * sum_{ky,kx,c} w[o],
// so acc equals bias_q + sum w * (x - zero_point). The sum of products is exact (at most
// kMaxReductionDepth of them); adding the bias wraps modulo 2^32. Then
//   out[oy][ox][o] = requantize_to_code(acc, multiplier[o], shift[o], output.zero_point,
//                                       output.min, output.max)     (see requantize.hpp)
// Output size per axis: (input + pad_before + pad_after - kernel) / stride + 1.
// The output must not overlap the input.

#include <cstdint>

#include "libmpq/kernels/quant_params.hpp"
#include "libmpq/kernels/status.hpp"

namespace mpq::kernels {

struct ConvParams {
  int32_t input_h, input_w, input_c;
  int32_t output_c;
  int32_t kernel_h, kernel_w;
  int32_t stride_h, stride_w;
  int32_t pad_top, pad_bottom, pad_left, pad_right;  // each in [0, kernel size - 1]
  ActivationFormat input;
  int32_t weight_bits;
  OutputFormat output;
};

// (input + pad_before + pad_after - kernel) / stride + 1, or 0 when it would be < 1 or an
// argument is out of range.
int32_t conv_output_size(int32_t input, int32_t kernel, int32_t stride, int32_t pad_before,
                         int32_t pad_after);

// Validates everything about `params` (not the pointers or per-channel arrays): what a
// runtime calls once at load time. Both kernels below call it too.
Status convolve_check(const ConvParams& params);

// The reference: plain loops, no scratch. `bias` may be null (zero); the others not.
Status convolve_ref(const ConvParams& params, const uint8_t* input, const uint8_t* weights,
                    const int32_t* bias, const int32_t* multiplier, const int32_t* shift,
                    uint8_t* output);

// Scratch bytes convolve_fast needs: the same on every target, so the host's memory model
// predicts the device. 0 for invalid params.
int32_t convolve_fast_get_buffer_size(const ConvParams& params);

// Same result as convolve_ref, bit for bit. `scratch` must be 4-byte aligned and hold
// convolve_fast_get_buffer_size(params) bytes.
Status convolve_fast(const ConvParams& params, const uint8_t* input, const uint8_t* weights,
                     const int32_t* bias, const int32_t* multiplier, const int32_t* shift,
                     void* scratch, int32_t scratch_bytes, uint8_t* output);

// convolve_fast for one weight width (weight_bits == WB, else bad_bits), instantiated for
// 8, 4 and 2: a caller that names its widths (libmpq/runtime's per-model kernel tables)
// links only their code; convolve_fast dispatches to these.
template <int WB>
Status convolve_fast_bits(const ConvParams& params, const uint8_t* input, const uint8_t* weights,
                          const int32_t* bias, const int32_t* multiplier, const int32_t* shift,
                          void* scratch, int32_t scratch_bytes, uint8_t* output);

}  // namespace mpq::kernels
