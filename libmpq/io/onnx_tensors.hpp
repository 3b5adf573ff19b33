// Reading ONNX protobuf messages (Debian's libonnx-dev generated classes) into plain
// values, with every size checked against what the message actually holds. Internal to
// io/onnx_import.cpp; compiled with ONNX_NAMESPACE=onnx and ONNX_ML=1 as the library was.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

namespace mpq::onnx_io {

// At most this many elements in one tensor (4 GiB of floats would not be a small CNN).
constexpr int64_t kMaxTensorElements = int64_t{1} << 28;

struct FloatTensor {
  std::vector<int64_t> dims;
  std::vector<float> values;  // row-major over dims
};

// "node 'conv1' (Conv)", or "node #3 (Conv)" when the node has no name.
std::string node_label(const onnx::NodeProto& node, int index);

// A FLOAT tensor from float_data or raw_data (little-endian). Throws Error naming `what`
// and the tensor when its type is not FLOAT, its data lies outside the file (external
// data), or it holds another number of values than its dims say.
FloatTensor read_float_tensor(const onnx::TensorProto& t, const std::string& what);
// An INT64 (or INT32) tensor, as for read_float_tensor.
std::vector<int64_t> read_int_tensor(const onnx::TensorProto& t, const std::string& what);

const onnx::AttributeProto* find_attribute(const onnx::NodeProto& node, const char* name);
int64_t attribute_int(const onnx::NodeProto& node, const char* name, int64_t fallback);
float attribute_float(const onnx::NodeProto& node, const char* name, float fallback);
std::string attribute_string(const onnx::NodeProto& node, const char* name, const std::string& fallback);
// Empty when absent.
std::vector<int64_t> attribute_ints(const onnx::NodeProto& node, const char* name);

}  // namespace mpq::onnx_io
