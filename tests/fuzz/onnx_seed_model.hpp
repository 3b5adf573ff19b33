// A small ONNX model built with libonnx-dev's classes, for the import_onnx fuzz seeds:
// every op the import maps, so that mutations start from each of them.
#pragma once

#include <string>

namespace mpq::fuzz {
std::string onnx_seed_model(bool matmul_head);
}  // namespace mpq::fuzz
