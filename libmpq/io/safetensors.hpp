// io: weight exchange with other frameworks: the safetensors container and PyTorch's
// (torchvision's) tensor names and layouts. Depends on nn (models, checkpoints) and core.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "libmpq/tensor/tensor.hpp"

namespace mpq {

// The element types of the safetensors format (the F8 variants are not supported).
enum class SafetensorsDtype : int { BOOL, U8, I8, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64, Count };

const char* safetensors_dtype_name(SafetensorsDtype dtype);  // "F32"
size_t safetensors_dtype_size(SafetensorsDtype dtype);       // bytes per element
bool is_float_dtype(SafetensorsDtype dtype);                 // F16, BF16, F32, F64
bool is_integer_dtype(SafetensorsDtype dtype);               // U8 .. U64, not BOOL

// One tensor: name, type, shape and its raw little-endian bytes
// (data.size() == elements * dtype size).
struct SafetensorsTensor {
  std::string name;
  SafetensorsDtype dtype = SafetensorsDtype::F32;
  Shape shape;
  std::string data;
};

// A whole file: tensors in data order, and the optional "__metadata__" string map.
struct SafetensorsFile {
  std::vector<SafetensorsTensor> tensors;
  std::map<std::string, std::string> metadata;

  const SafetensorsTensor* find(const std::string& name) const;  // null if absent
};

// Parses and validates a whole file; throws Error naming `what` (the file) and, where
// one is at fault, the tensor: a file shorter than the 8-byte length field, a header
// length past the end, a header that is not a JSON object, a duplicate name, an entry
// without dtype / shape / data_offsets or with another field, an unknown dtype, offsets
// that do not hold exactly shape x dtype size bytes, run past the end of the data,
// overlap, or leave bytes of the data to no tensor.
SafetensorsFile decode_safetensors(const std::string& bytes, const std::string& what);
SafetensorsFile read_safetensors(const std::string& path);

// Deterministic encoding, byte-identical to tools/mpq_torch.py's save_safetensors: JSON
// header with sorted keys and no spaces, padded with spaces to a multiple of 8 bytes;
// data in `tensors` order except that wider element types come first (a stable
// reordering that keeps every tensor aligned to its element size).
std::string encode_safetensors(const SafetensorsFile& file);
void write_safetensors(const std::string& path, const SafetensorsFile& file);  // atomic

// A float tensor of any float dtype as float32 values (F64 rounds to nearest, F16 and
// BF16 widen exactly). Throws Error naming the tensor for a non-float dtype.
std::vector<float> safetensors_to_floats(const SafetensorsTensor& tensor, const std::string& what);
// An F32 tensor holding `values`.
SafetensorsTensor safetensors_from_floats(std::string name, Shape shape, const float* values);

}  // namespace mpq
