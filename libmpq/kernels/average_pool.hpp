#pragma once
// Average pooling of packed unsigned codes onto the input's own grid (same bits, zero
// point and scale, as the fake-quant model's average pool: quant/grid_average_pool.hpp):
//
//   acc = sum over the window's input positions of (in[.][.][c] - zero_point)
//   n   = kernel_h * kernel_w if count_include_pad (padding counts as real 0), else the
//         number of the window's input positions
//   out[y][x][c] = zero_point + floor((2 * acc + n) / (2 * n))
//
// i.e. the exact mean acc / n rounded to nearest, ties toward +infinity (as requantize()),
// with no multiplier: the mean of codes of a grid is a code of that grid. It lies between
// the window's smallest and largest value (or 0), so it needs no clamp.

#include <cstdint>

#include "libmpq/kernels/pool_geometry.hpp"
#include "libmpq/kernels/quant_params.hpp"
#include "libmpq/kernels/status.hpp"

namespace mpq::kernels {

struct AveragePoolParams {
  PoolGeometry geometry;
  int32_t count_include_pad;    // 1: divide by the window's area; 0: by its input positions
  ActivationFormat activation;  // input and output
};

// Validates `params`: pool_geometry_check, the activation format, count_include_pad 0 or 1
// (bad_shape). Once at load time.
Status average_pool_check(const AveragePoolParams& params);

Status average_pool_ref(const AveragePoolParams& params, const uint8_t* input, uint8_t* output);

// No scratch. The output may not overlap the input.
Status average_pool_fast(const AveragePoolParams& params, const uint8_t* input,
                         uint8_t* output);

// average_pool_fast for one activation width (activation.bits == B, else bad_bits), instantiated for 8, 4
// and 2: a caller that names its widths (libmpq/runtime's per-model kernel tables)
// links only their code; average_pool_fast dispatches to these.
template <int B>
Status average_pool_fast_bits(const AveragePoolParams& params, const uint8_t* input,
                         uint8_t* output);

}  // namespace mpq::kernels
