#pragma once
// The window of max and average pooling: an h x w x c activation, a kernel_h x kernel_w
// window moved by the strides, padding on each side. Output size per axis is
// conv_output_size (convolve.hpp). A padded position is never an input of max pooling and
// counts as real 0 (the zero point) in average pooling; every window holds at least one
// input position, since a padding is smaller than the kernel (check_window).

#include <cstdint>

#include "libmpq/kernels/status.hpp"

namespace mpq::kernels {

struct PoolGeometry {
  int32_t input_h, input_w, channels;
  int32_t kernel_h, kernel_w;
  int32_t stride_h, stride_w;
  int32_t pad_top, pad_bottom, pad_left, pad_right;
};

// The window (bad_kernel, bad_stride, bad_padding, bad_shape as for convolutions), the
// packed input and output sizes at `bits` (bad_shape beyond INT32_MAX), and a window area
// of at most kMaxReductionDepth positions (too_deep): the average's int32 sums.
Status pool_geometry_check(const PoolGeometry& geometry, int32_t bits);

}  // namespace mpq::kernels
