// import_onnx in a build without libonnx-dev (libmpq/io/meson.build).
#include "libmpq/core/error.hpp"
#include "libmpq/io/onnx_import.hpp"

namespace mpq {

bool onnx_import_available() { return false; }

Checkpoint import_onnx(const std::string&, const std::string& what, const OnnxImportOptions&) {
  throw Error(what + ": this mpq was built without ONNX support (install libonnx-dev and protobuf, then reconfigure)");
}

}  // namespace mpq
