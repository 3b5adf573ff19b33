#pragma once
// Residual addition of two activation tensors of the same shape, each with its own bits,
// zero point and scale, requantized to the output's (TFLite's integer add, generalized to
// b-bit codes):
//
//   a' = requantize((a - a.zero_point) * 2^left_shift, a_multiplier, a_shift)
//   b' = requantize((b - b.zero_point) * 2^left_shift, b_multiplier, b_shift)
//   out = requantize_to_code(saturate_int32(a' + b'), output_multiplier, output_shift,
//                            output.zero_point, output.min, output.max)
//
// requantize() rounds once (requantize.hpp) and saturates its result to int32.
// quantize_residual_add() chooses left_shift = 20 and the multipliers from the three
// scales: a'/b' carry a_scale/b_scale over 2*max(a_scale, b_scale) with 20 fractional bits,
// the output multiplier undoes that towards output_scale. Overflow: left_shift is in
// [0, 22], so the shifted difference |a - a.zero_point| * 2^left_shift <= 255 * 2^22 < 2^30
// is an exact int32 (the input of requantize); the products with the multipliers are exact
// in 64 bits whatever the multipliers. With quantize_residual_add's multipliers (at most
// 1/2) |a'|, |b'| <= 255 * 2^19 < 2^27, so a' + b' never saturates; each is its exact value
// rounded once, off by at most half a unit of 2 * max(a_scale, b_scale) / 2^20 (the larger
// operand's multiplier is exactly 1/2 and does not round at all), and the output, rounded
// once more, is within one code of the real sum (tested).
//
// The output may be the same buffer as input a (or b) when output.bits equals that input's
// bits: every element is read before it is written. Otherwise it must not overlap.

#include <cstdint>

#include "libmpq/kernels/quant_params.hpp"
#include "libmpq/kernels/status.hpp"

namespace mpq::kernels {

constexpr int32_t kMaxAddLeftShift = 22;

struct ResidualAddParams {
  int32_t input_h, input_w, channels;
  ActivationFormat a, b;
  int32_t a_multiplier, a_shift;
  int32_t b_multiplier, b_shift;
  int32_t left_shift;
  OutputFormat output;
  int32_t output_multiplier, output_shift;
};

// Fills left_shift and the three (multiplier, shift) pairs from positive real scales.
Status quantize_residual_add(double a_scale, double b_scale, double output_scale,
                             ResidualAddParams* params);

// Validates `params` (multipliers, shifts, left_shift: bad_multiplier), once at load time.
Status residual_add_check(const ResidualAddParams& params);

Status residual_add_ref(const ResidualAddParams& params, const uint8_t* a, const uint8_t* b,
                        uint8_t* output);

// No scratch.
Status residual_add_fast(const ResidualAddParams& params, const uint8_t* a, const uint8_t* b,
                         uint8_t* output);

}  // namespace mpq::kernels
