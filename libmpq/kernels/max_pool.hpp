#pragma once
// Max pooling of packed unsigned codes: out[y][x][c] = the largest in[.][.][c] of the
// window's input positions (padding is never a candidate). The output has the input's bits
// and grid (zero point and scale): the largest code is the largest value, so nothing is
// requantized.

#include <cstdint>

#include "libmpq/kernels/pool_geometry.hpp"
#include "libmpq/kernels/status.hpp"

namespace mpq::kernels {

struct MaxPoolParams {
  PoolGeometry geometry;
  int32_t bits;  // input and output
};

// Validates `params` (pool_geometry_check), once at load time.
Status max_pool_check(const MaxPoolParams& params);

Status max_pool_ref(const MaxPoolParams& params, const uint8_t* input, uint8_t* output);

// No scratch. The output may not overlap the input.
Status max_pool_fast(const MaxPoolParams& params, const uint8_t* input, uint8_t* output);

// max_pool_fast for one activation width (bits == B, else bad_bits), instantiated for 8, 4
// and 2: a caller that names its widths (libmpq/runtime's per-model kernel tables)
// links only their code; max_pool_fast dispatches to these.
template <int B>
Status max_pool_fast_bits(const MaxPoolParams& params, const uint8_t* input, uint8_t* output);

}  // namespace mpq::kernels
