#pragma once

#include <cstdint>
#include <string>

#include "libmpq/tensor/tensor.hpp"

namespace mpq {

// Everything needed to rebuild a model's graph: the architecture name and its knobs.
// Stored in checkpoints and policies so that a file always names the model it belongs to.
struct ModelSpec {
  std::string arch = "mobilenet_v1";  // mobilenet_v1 | mobilenet_v2 | mnasnet
  float width = 0.25f;                // width multiplier
  int64_t in_channels = 1;
  int64_t in_height = 32;
  int64_t in_width = 32;
  int64_t classes = 10;
  // Stem stride 1 instead of 2, so that small inputs (28x28, 32x32) end at 2x2 instead
  // of 1x1. Set by default when the input is smaller than 100 pixels.
  bool small_input = true;

  Shape input_shape() const { return {in_height, in_width, in_channels}; }  // HWC
  // "mobilenet_v1 w0.25 1x32x32 c10 small-input"
  std::string to_string() const;
};

// Known architecture names, for --help and error messages.
const char* const* model_arch_names();  // null-terminated
bool is_known_arch(const std::string& arch);

// Parses "CxHxW" (e.g. "3x224x224"); throws Error naming the text otherwise.
void parse_input_shape(const std::string& text, ModelSpec& spec);

// Chooses small_input from the input size (< 100 pixels on either side).
void set_default_stem(ModelSpec& spec);

}  // namespace mpq
