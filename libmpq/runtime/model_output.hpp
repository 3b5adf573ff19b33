// The network's output after run_model: its packed codes as integers, and (for display on
// the host) as real values through the header's output scale and zero point.
#pragma once

#include <cstdint>

#include "libmpq/runtime/model_view.hpp"
#include "libmpq/runtime/status.hpp"

namespace mpq::rt {

// Writes the model.classes output codes (0 .. 2^output_bits - 1) from the arena run_model
// filled to codes[0 .. classes). bad_argument if a pointer is null or count < classes.
Status unpack_output(const ModelView& model, const void* arena, int32_t* codes, uint32_t count);

// values[k] = output_scale * (codes[k] - output_zero_point) for k < model.classes. Host-side
// display: the integer codes are the result (argmax over codes is argmax over values when
// the scale is positive). bad_argument if a pointer is null or count < classes.
Status dequantize_output(const ModelView& model, const int32_t* codes, float* values, uint32_t count);

}  // namespace mpq::rt
