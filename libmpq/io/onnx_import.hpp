#pragma once

#include <cstdint>
#include <string>

#include "libmpq/nn/checkpoint.hpp"

namespace mpq {

// What `mpq import --onnx` may override: the input size (0: the model's own, which must
// then be fixed in the file) and the class count (0: whatever the graph outputs; else
// the graph must output that many).
struct OnnxImportOptions {
  int64_t in_channels = 0, in_height = 0, in_width = 0;
  int64_t classes = 0;
};

// False in a build without libonnx-dev, where import_onnx throws saying so.
bool onnx_import_available();

// A float ONNX model (opsets 11-17, as torch.onnx.export writes) as a float checkpoint
// holding its graph (nn/model_graph.hpp) and its weights in the project's layouts
// (NHWC activations, OHWI conv weights). Supported nodes and attributes: docs/import.md.
// Throws Error with one line naming `what` and, for a graph it cannot map, the node, its
// op type and what is unsupported.
Checkpoint import_onnx(const std::string& bytes, const std::string& what, const OnnxImportOptions& options);

}  // namespace mpq
