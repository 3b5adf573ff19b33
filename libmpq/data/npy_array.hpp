#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mpq {

// The element types a NumPy data set uses here: float32 or uint8 samples, int64, int32
// or uint8 labels (NumPy descr '<f4', '|u1', '<i8', '<i4').
enum class NpyType { float32, uint8, int32, int64 };

const char* npy_type_name(NpyType type);  // "float32", ...
int64_t npy_item_bytes(NpyType type);

// A C-order, little-endian array read from a .npy file (or an .npz member).
struct NpyArray {
  NpyType type = NpyType::uint8;
  std::vector<int64_t> shape;  // () is a scalar: one element
  std::string bytes;           // elements() * npy_item_bytes(type), C order, little-endian

  int64_t elements() const;
  // Element i converted; requires 0 <= i < elements(). as_int64 of a float32 truncates.
  float as_float(int64_t i) const;
  int64_t as_int64(int64_t i) const;
};

// The largest number of dimensions and the largest header read: NumPy's own header
// limit is 10000 bytes, its arrays have at most 64 dimensions.
constexpr int kMaxNpyDims = 32;
constexpr uint32_t kMaxNpyHeaderBytes = 65536;

// Parses the bytes of a .npy file (format versions 1.0, 2.0 and 3.0: the magic
// "\x93NUMPY", a header dict {'descr': ..., 'fortran_order': False, 'shape': (...)}, then
// the data), taking the payload out of `bytes` without a copy. Throws Error starting with
// `what` (the file's name) for anything else: another magic or version, a header that is
// not that dict, an unsupported descr (big-endian, other types), fortran_order True, a
// dimension or element count above 2^40, or data of another size than the shape says.
NpyArray parse_npy(std::string&& bytes, const std::string& what);

// read_file (at most kMaxInputFileBytes) then parse_npy.
NpyArray read_npy(const std::string& path);

// The .npy bytes of an array (format 1.0, or 2.0 when the header needs it): what numpy.save
// writes for the same array, up to the padding of the header. Requires bytes.size() ==
// elements() * item size.
std::string encode_npy(const NpyArray& array);

}  // namespace mpq
