#pragma once
// How a kernel's activation tensors are encoded: shared by every kernel's Params struct.

#include <cstdint>

namespace mpq::kernels {

// An input activation tensor: unsigned `bits`-bit codes q with real value
// scale * (q - zero_point). zero_point is 0 after ReLU, non-zero for the network input,
// residual add outputs and logits. Padding of a convolution input is `zero_point` (real 0).
struct ActivationFormat {
  int32_t bits;
  int32_t zero_point;
};

// An output activation tensor plus the clamp applied to its codes: [min, max] is
// [0, 2^bits - 1] for a plain tensor, narrower to express ReLU6 or a PACT clip.
struct OutputFormat {
  int32_t bits;
  int32_t zero_point;
  int32_t min;
  int32_t max;
};

// Weights are signed `bits`-bit codes, one scale s_w per output channel. A b-bit code q
// enters every accumulator as q * 2^(8 - b): the code is read as the top bits of an 8-bit
// weight of scale s_w / 2^(8 - b). The bias and the requantization multiplier are in that
// unit (bias in s_in * s_w / 2^(8 - b), multiplier s_in * s_w / (2^(8 - b) * s_out)), so
// a layer of ternary weights and 2-bit inputs carries its bias 64 times finer than
// s_in * s_w, where one bias step can be a large part of an output step. It costs
// nothing per element: the fast kernels unpack sub-byte weights into the top of each byte
// anyway (detail/lanes.hpp) and the depthwise kernel expands its weights once per call;
// the products stay within 8-bit weights' bound (kMaxReductionDepth).
constexpr int32_t weight_scale_shift(int32_t bits) { return 8 - bits; }

// The unclamped encoding of a `bits`-bit output: min 0, max 2^bits - 1.
constexpr OutputFormat full_range_output(int32_t bits, int32_t zero_point) {
  return OutputFormat{bits, zero_point, 0, (1 << bits) - 1};
}

}  // namespace mpq::kernels
