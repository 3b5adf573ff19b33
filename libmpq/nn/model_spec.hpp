#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "libmpq/tensor/tensor.hpp"

namespace mpq {

struct ModelGraph;  // nn/model_graph.hpp

// Architecture name of a model whose graph is stored (imported, e.g. from ONNX) rather
// than built by a builder from its name.
inline constexpr const char* kGraphArch = "graph";

// Everything needed to rebuild a model's graph: the architecture name and its knobs.
// Stored in checkpoints and policies so that a file always names the model it belongs to.
struct ModelSpec {
  std::string arch = "mobilenet_v1";  // mobilenet_v1 | mobilenet_v2 | mnasnet
  float width = 0.25f;                // width multiplier
  int64_t in_channels = 1;
  int64_t in_height = 32;
  int64_t in_width = 32;
  int64_t classes = 10;  // 0: a stored graph that does not end in class scores
  // Stem stride 1 instead of 2, so that small inputs (28x28, 32x32) end at 2x2 instead
  // of 1x1. Set by default when the input is smaller than 100 pixels.
  bool small_input = true;
  // arch == kGraphArch: the stored graph (null when only its fingerprint is known, as in
  // a policy file) and its fingerprint, the CRC-32 of its encoding, which tells models
  // apart in to_string() the way the arch name does for built-ins. Width and
  // small_input mean nothing for it (1 and false).
  std::shared_ptr<const ModelGraph> graph;
  uint32_t graph_fingerprint = 0;

  bool is_graph() const { return arch == kGraphArch; }
  Shape input_shape() const { return {in_height, in_width, in_channels}; }  // HWC
  // "mobilenet_v1 w0.25 1x32x32 c10 small-input", or "graph 1f2e3d4c 3x32x32 c10"
  std::string to_string() const;
};

// Known architecture names, for --help and error messages.
const char* const* model_arch_names();  // null-terminated
bool is_known_arch(const std::string& arch);

// Bounds of a model spec from any source (flags, checkpoints, policies): sizes whose
// tensors fit in memory and whose products fit int64 arithmetic with room to spare.
constexpr int64_t kMaxInputChannels = 4096;
constexpr int64_t kMaxInputSide = 8192;
constexpr int64_t kMaxInputElements = int64_t{1} << 24;  // C * H * W: 3x2048x2048 fits
constexpr int64_t kMaxClasses = 100000;

// Parses "CxHxW" (e.g. "3x224x224"); throws Error naming the text otherwise.
void parse_input_shape(const std::string& text, ModelSpec& spec);

// Throws Error naming `what` and the field when the spec's numbers are not ones a model
// can be built from: a width outside (0, 4], sizes outside the bounds above, classes
// outside 2..kMaxClasses (0 allowed for a stored graph). (The arch is checked by whoever builds the model: tests have
// their own.)
void validate_model_spec(const ModelSpec& spec, const std::string& what);

// Throws Error naming `what` when the model does not output class scores (classes 0).
void require_class_output(const ModelSpec& spec, const std::string& what);

// Chooses small_input from the input size (< 100 pixels on either side).
void set_default_stem(ModelSpec& spec);

}  // namespace mpq
