#pragma once
// Global average pooling: an h x w x c tensor to one pixel of c channels.
//
//   acc = sum_{y,x} in[y][x][c] - h * w * input.zero_point
//   out[c] = requantize_to_code(acc, multiplier, shift, output.zero_point, output.min,
//                               output.max)
// with one (multiplier, shift) for the tensor, quantizing
// input_scale / (output_scale * h * w): the division by h * w is folded into it, so the
// rounding is that of requantize() alone. h * w is at most kMaxPoolPixels.

#include <cstdint>

#include "libmpq/kernels/quant_params.hpp"
#include "libmpq/kernels/status.hpp"

namespace mpq::kernels {

// 2^23 pixels of 8-bit codes sum to less than 2^31.
constexpr int32_t kMaxPoolPixels = 1 << 23;

struct GlobalAveragePoolParams {
  int32_t input_h, input_w, channels;
  ActivationFormat input;
  OutputFormat output;
  int32_t multiplier, shift;
};

// Validates `params` (pixels over kMaxPoolPixels: too_deep), once at load time.
Status global_average_pool_check(const GlobalAveragePoolParams& params);

Status global_average_pool_ref(const GlobalAveragePoolParams& params, const uint8_t* input,
                               uint8_t* output);

// No scratch. The output may not overlap the input.
Status global_average_pool_fast(const GlobalAveragePoolParams& params, const uint8_t* input,
                                uint8_t* output);

// global_average_pool_fast for one input width (input.bits == XB, else bad_bits), instantiated for 8, 4
// and 2: a caller that names its widths (libmpq/runtime's per-model kernel tables)
// links only their code; global_average_pool_fast dispatches to these.
template <int XB>
Status global_average_pool_fast_bits(const GlobalAveragePoolParams& params, const uint8_t* input,
                                uint8_t* output);

}  // namespace mpq::kernels
