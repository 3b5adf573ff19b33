#pragma once
// Fully connected layer on one packed input vector (e.g. the pooled features).
// Weights: output_c rows of input_c values (fully_connected_weight_bytes).
//
//   acc = bias[o] + sum_c w[o][c] * x[c]              (bias folded: fold_input_zero_point;
//                                                     w: get_weight, the code * 2^(8 - bits))
//   out[o] = requantize_to_code(acc, multiplier[o], shift[o], output.zero_point,
//                               output.min, output.max)
// The output must not overlap the input.

#include <cstdint>

#include "libmpq/kernels/quant_params.hpp"
#include "libmpq/kernels/status.hpp"

namespace mpq::kernels {

struct FullyConnectedParams {
  int32_t input_c;
  int32_t output_c;
  ActivationFormat input;
  int32_t weight_bits;
  OutputFormat output;
};

// Validates `params` (not pointers or per-channel arrays), once at load time.
Status fully_connected_check(const FullyConnectedParams& params);

Status fully_connected_ref(const FullyConnectedParams& params, const uint8_t* input,
                           const uint8_t* weights, const int32_t* bias,
                           const int32_t* multiplier, const int32_t* shift, uint8_t* output);

// Scratch bytes of fully_connected_fast, the same on every target; 0 for invalid params.
int32_t fully_connected_fast_get_buffer_size(const FullyConnectedParams& params);

Status fully_connected_fast(const FullyConnectedParams& params, const uint8_t* input,
                            const uint8_t* weights, const int32_t* bias,
                            const int32_t* multiplier, const int32_t* shift, void* scratch,
                            int32_t scratch_bytes, uint8_t* output);

// fully_connected_fast for one weight width (weight_bits == WB, else bad_bits), instantiated for 8, 4
// and 2: a caller that names its widths (libmpq/runtime's per-model kernel tables)
// links only their code; fully_connected_fast dispatches to these.
template <int WB>
Status fully_connected_fast_bits(const FullyConnectedParams& params, const uint8_t* input,
                            const uint8_t* weights, const int32_t* bias,
                            const int32_t* multiplier, const int32_t* shift, void* scratch,
                            int32_t scratch_bytes, uint8_t* output);

}  // namespace mpq::kernels
