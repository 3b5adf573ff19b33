// In-place pointwise convolution: the next step after in-place depthwise (issue 17). A
// pointwise op (1x1, stride 1, no padding) reads output pixel p's input from pixel p
// alone, so its output may be written over its input as well: the output starting `lag`
// bytes before the input, the pair costs max(lag + in, out) bytes, about the larger of
// the two tensors plus one pixel, instead of in + out. The lag rule (freestanding, for
// load_model and the host planner alike); rt::inplace_lag and the merge in
// inplace_pairs.hpp take it for flagged pointwise convs (docs/memory-model.md,
// "In-place pointwise").
#pragma once

#include <cstdint>

#include "libmpq/runtime/op_record.hpp"

namespace mpq::rt {

// The least lag in bytes for `pixels` pixels of `in_pixel` input and `out_pixel` output
// bytes each, written by kernels that finish pixels in order: the reference kernel clears
// output pixel p and writes its channels while it still reads p's input, so every byte up
// to the end of output pixel p must end at or before input pixel p's first byte:
// (p + 1) * out_pixel - lag <= p * in_pixel for every p. The fast kernel copies a group
// of up to 4 pixels' inputs into its scratch before it writes any of their outputs, a
// weaker condition that this lag meets too. -1 on a non-positive size.
int64_t inplace_pixelwise_lag(int64_t pixels, int64_t in_pixel, int64_t out_pixel);

// The lag of a pointwise op's record (the op kernel pointwise_convolve: a 1x1 conv with
// stride 1 and no padding); -1 for any other record or invalid bits.
int32_t inplace_pointwise_lag(const OpRecord& record);

}  // namespace mpq::rt
