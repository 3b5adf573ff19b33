#include "libmpq/io/onnx_tensors.hpp"

#include <cstring>

#include "libmpq/core/error.hpp"

namespace mpq::onnx_io {

namespace {

int64_t element_count(const onnx::TensorProto& t, const std::string& what) {
  int64_t n = 1;
  for (int64_t d : t.dims()) {
    if (d < 0 || d > kMaxTensorElements || n * d > kMaxTensorElements)
      throw Error(what + ": tensor '" + t.name() + "' has dims beyond " + std::to_string(kMaxTensorElements) +
                  " elements or below zero");
    n *= d;
  }
  return n;
}

void check_stored_here(const onnx::TensorProto& t, const std::string& what) {
  if (t.data_location() == onnx::TensorProto::EXTERNAL || t.external_data_size() > 0)
    throw Error(what + ": tensor '" + t.name() + "' keeps its data in an external file, which is not supported");
}

std::string count_mismatch(const onnx::TensorProto& t, const std::string& what, int64_t have, int64_t want) {
  return what + ": tensor '" + t.name() + "' holds " + std::to_string(have) + " values, its dims say " +
         std::to_string(want);
}

}  // namespace

std::string node_label(const onnx::NodeProto& node, int index) {
  const std::string name = node.name().empty() ? "#" + std::to_string(index) : "'" + node.name().substr(0, 120) + "'";
  return "node " + name + " (" + node.op_type().substr(0, 60) + ")";
}

FloatTensor read_float_tensor(const onnx::TensorProto& t, const std::string& what) {
  check_stored_here(t, what);
  if (t.data_type() != onnx::TensorProto::FLOAT)
    throw Error(what + ": tensor '" + t.name() + "' has data type " + std::to_string(t.data_type()) +
                ", expected FLOAT (1)");
  FloatTensor out;
  out.dims.assign(t.dims().begin(), t.dims().end());
  const int64_t n = element_count(t, what);
  if (t.has_raw_data()) {
    const std::string& raw = t.raw_data();
    if (static_cast<int64_t>(raw.size()) != n * 4)
      throw Error(count_mismatch(t, what, static_cast<int64_t>(raw.size() / 4), n) + " (raw data of " +
                  std::to_string(raw.size()) + " bytes)");
    out.values.resize(static_cast<size_t>(n));
    // ONNX raw data is little-endian, as is every host this builds for (x86-64, aarch64).
    if (n > 0) std::memcpy(out.values.data(), raw.data(), raw.size());
  } else {
    if (t.float_data_size() != n) throw Error(count_mismatch(t, what, t.float_data_size(), n));
    out.values.assign(t.float_data().begin(), t.float_data().end());
  }
  return out;
}

std::vector<int64_t> read_int_tensor(const onnx::TensorProto& t, const std::string& what) {
  check_stored_here(t, what);
  const int64_t n = element_count(t, what);
  std::vector<int64_t> out;
  if (t.data_type() == onnx::TensorProto::INT64) {
    if (t.has_raw_data()) {
      if (static_cast<int64_t>(t.raw_data().size()) != n * 8)
        throw Error(count_mismatch(t, what, static_cast<int64_t>(t.raw_data().size() / 8), n));
      out.resize(static_cast<size_t>(n));
      if (n > 0) std::memcpy(out.data(), t.raw_data().data(), t.raw_data().size());
    } else {
      if (t.int64_data_size() != n) throw Error(count_mismatch(t, what, t.int64_data_size(), n));
      out.assign(t.int64_data().begin(), t.int64_data().end());
    }
  } else if (t.data_type() == onnx::TensorProto::INT32) {
    if (t.has_raw_data()) {
      if (static_cast<int64_t>(t.raw_data().size()) != n * 4)
        throw Error(count_mismatch(t, what, static_cast<int64_t>(t.raw_data().size() / 4), n));
      std::vector<int32_t> v(static_cast<size_t>(n));
      if (n > 0) std::memcpy(v.data(), t.raw_data().data(), t.raw_data().size());
      out.assign(v.begin(), v.end());
    } else {
      if (t.int32_data_size() != n) throw Error(count_mismatch(t, what, t.int32_data_size(), n));
      out.assign(t.int32_data().begin(), t.int32_data().end());
    }
  } else {
    throw Error(what + ": tensor '" + t.name() + "' has data type " + std::to_string(t.data_type()) +
                ", expected INT64 (7) or INT32 (6)");
  }
  return out;
}

const onnx::AttributeProto* find_attribute(const onnx::NodeProto& node, const char* name) {
  for (const auto& a : node.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

int64_t attribute_int(const onnx::NodeProto& node, const char* name, int64_t fallback) {
  const auto* a = find_attribute(node, name);
  return a ? a->i() : fallback;
}

float attribute_float(const onnx::NodeProto& node, const char* name, float fallback) {
  const auto* a = find_attribute(node, name);
  return a ? a->f() : fallback;
}

std::string attribute_string(const onnx::NodeProto& node, const char* name, const std::string& fallback) {
  const auto* a = find_attribute(node, name);
  return a ? a->s() : fallback;
}

std::vector<int64_t> attribute_ints(const onnx::NodeProto& node, const char* name) {
  const auto* a = find_attribute(node, name);
  if (!a) return {};
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

}  // namespace mpq::onnx_io
