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

// The unclamped encoding of a `bits`-bit output: min 0, max 2^bits - 1.
constexpr OutputFormat full_range_output(int32_t bits, int32_t zero_point) {
  return OutputFormat{bits, zero_point, 0, (1 << bits) - 1};
}

}  // namespace mpq::kernels
