#pragma once
// Depthwise 2-D convolution, channel multiplier 1: each channel convolved with its own
// kernel. HWC activations; weights HWC: kernel_h * kernel_w taps, each a packed row of
// `channels` values (depthwise_weight_bytes).
//
//   acc = bias[c] + sum_{ky,kx} w[ky][kx][c] * x[oy*stride_h - pad_top + ky]
//                                               [ox*stride_w - pad_left + kx][c]
// with w the code times 2^(8 - weight_bits) (get_weight, quant_params.hpp), x outside the
// image = input.zero_point, and `bias` folded
// (fold_input_zero_point_depthwise). Then
//   out[oy][ox][c] = requantize_to_code(acc, multiplier[c], shift[c], output.zero_point,
//                                       output.min, output.max)
// Output size per axis: (input + pad_before + pad_after - kernel) / stride + 1.
// The output must not overlap the input.

#include <cstdint>

#include "libmpq/kernels/quant_params.hpp"
#include "libmpq/kernels/status.hpp"

namespace mpq::kernels {

struct DepthwiseParams {
  int32_t input_h, input_w, channels;
  int32_t kernel_h, kernel_w;
  int32_t stride_h, stride_w;
  int32_t pad_top, pad_bottom, pad_left, pad_right;  // each in [0, kernel size - 1]
  ActivationFormat input;
  int32_t weight_bits;
  OutputFormat output;
};

// Validates `params` (not pointers or per-channel arrays), once at load time.
Status depthwise_convolve_check(const DepthwiseParams& params);

Status depthwise_convolve_ref(const DepthwiseParams& params, const uint8_t* input,
                              const uint8_t* weights, const int32_t* bias,
                              const int32_t* multiplier, const int32_t* shift,
                              uint8_t* output);

// Scratch bytes of depthwise_convolve_fast, the same on every target; 0 for invalid params
// (docs/kernels.md, "Scratch sizes").
int32_t depthwise_convolve_fast_get_buffer_size(const DepthwiseParams& params);

// The fast kernel expands its weights and per-channel parameters in chunks of input words
// ("blocks" of 32 / input.bits channels) whose expansion and border window take at most
// this many bytes, once per output row, when that needs less scratch than expanding all
// channels once per call (with the row buffer it then needs).
constexpr int32_t kDepthwiseChunkBytes = 4096;

// Scratch with which depthwise_convolve_fast expands all channels once per call, whatever
// kDepthwiseChunkBytes says: given at least this many bytes, the kernel runs the layer as
// one chunk (faster: layers of few output rows otherwise expand their weights once per
// row), given less (at least get_buffer_size) it runs in chunks. Equal to get_buffer_size
// for a layer of one chunk; 0 for invalid params.
int32_t depthwise_convolve_fast_get_one_chunk_buffer_size(const DepthwiseParams& params);

// Blocks per chunk with get_buffer_size's scratch: all of the layer's blocks when it runs
// as one chunk; 0 for invalid params. A pure function of `params`, as the scratch size.
int32_t depthwise_convolve_fast_chunk_blocks(const DepthwiseParams& params);

Status depthwise_convolve_fast(const DepthwiseParams& params, const uint8_t* input,
                               const uint8_t* weights, const int32_t* bias,
                               const int32_t* multiplier, const int32_t* shift, void* scratch,
                               int32_t scratch_bytes, uint8_t* output);

}  // namespace mpq::kernels
