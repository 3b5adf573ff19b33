#pragma once
// Everything libmpq/kernels offers, for users who want one include.

#include "libmpq/kernels/convolve.hpp"
#include "libmpq/kernels/depthwise_convolve.hpp"
#include "libmpq/kernels/fold_input_zero_point.hpp"
#include "libmpq/kernels/fully_connected.hpp"
#include "libmpq/kernels/global_average_pool.hpp"
#include "libmpq/kernels/packing.hpp"
#include "libmpq/kernels/pointwise_convolve.hpp"
#include "libmpq/kernels/quant_params.hpp"
#include "libmpq/kernels/quantize_multiplier.hpp"
#include "libmpq/kernels/requantize.hpp"
#include "libmpq/kernels/residual_add.hpp"
#include "libmpq/kernels/status.hpp"
