#pragma once
// libmpq/kernels: the freestanding integer kernels (convolution, depthwise, pointwise, fully
// connected, global average pooling, max and average pooling, residual add) for every mix
// of 2/4/8-bit activations and weights, with the packed tensor layout, the exact byte sizes the memory model counts and
// integer-only requantization. A plain reference and a fast version (Cortex-M DSP
// instructions, or the same algorithm in portable C++) of each, bit-exact; no heap,
// exceptions or STL; caller-owned scratch; Status codes. The contract is docs/kernels.md.
// This header includes everything, for users who want one include.

#include "libmpq/kernels/average_pool.hpp"
#include "libmpq/kernels/convolve.hpp"
#include "libmpq/kernels/depthwise_convolve.hpp"
#include "libmpq/kernels/fold_input_zero_point.hpp"
#include "libmpq/kernels/fully_connected.hpp"
#include "libmpq/kernels/global_average_pool.hpp"
#include "libmpq/kernels/max_pool.hpp"
#include "libmpq/kernels/packing.hpp"
#include "libmpq/kernels/pointwise_convolve.hpp"
#include "libmpq/kernels/quant_params.hpp"
#include "libmpq/kernels/quantize_multiplier.hpp"
#include "libmpq/kernels/requantize.hpp"
#include "libmpq/kernels/residual_add.hpp"
#include "libmpq/kernels/status.hpp"
