// A small ONNX model built with libonnx-dev's classes, for the import_onnx fuzz seeds:
// every op the import maps, so that mutations start from each of them.
#pragma once

#include <string>

namespace mpq::fuzz {
// matmul_head: MatMul + Add instead of Gemm; computed_shapes: nn.ZeroPad2d's computed
// pads and x.view(x.size(0), -1)'s computed shape, as torch.onnx.export writes them.
std::string onnx_seed_model(bool matmul_head, bool computed_shapes = false);
}  // namespace mpq::fuzz
