#include "libmpq/data/npy_array.hpp"

#include <cctype>
#include <cstring>

#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/error.hpp"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "npy_array.cpp copies little-endian .npy elements as they are: a little-endian host is required"
#endif

namespace mpq {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicBytes = 6;
constexpr int64_t kMaxNpyElements = int64_t{1} << 40;

// The header dict NumPy writes: a Python literal of three keys. A small recursive-descent
// reader of just that grammar: quoted strings, True/False and tuples of integers.
class HeaderReader {
 public:
  HeaderReader(const std::string& text, const std::string& what) : s_(text), what_(what) {}

  void parse(std::string& descr, bool& fortran, std::vector<int64_t>& shape) {
    bool seen_descr = false, seen_fortran = false, seen_shape = false;
    expect('{');
    while (!at('}')) {
      const std::string key = quoted();
      expect(':');
      if (key == "descr" && !seen_descr) {
        descr = quoted();
        seen_descr = true;
      } else if (key == "fortran_order" && !seen_fortran) {
        fortran = boolean();
        seen_fortran = true;
      } else if (key == "shape" && !seen_shape) {
        shape = tuple();
        seen_shape = true;
      } else {
        fail("key '" + key + "' is unexpected or repeated (expected descr, fortran_order and shape once each)");
      }
      if (!at('}')) expect(',');
    }
    expect('}');
    skip_space();
    if (pos_ != s_.size()) fail("text after the dict");
    if (!seen_descr || !seen_fortran || !seen_shape) fail("expected the keys descr, fortran_order and shape");
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw Error(what_ + ": malformed .npy header at byte " + std::to_string(pos_) + ": " + why);
  }
  void skip_space() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool at(char c) {
    skip_space();
    return pos_ < s_.size() && s_[pos_] == c;
  }
  void expect(char c) {
    if (!at(c)) fail(std::string("expected '") + c + "'");
    ++pos_;
  }
  std::string quoted() {
    skip_space();
    if (pos_ >= s_.size() || (s_[pos_] != '\'' && s_[pos_] != '"')) fail("expected a quoted string");
    const char quote = s_[pos_++];
    const size_t end = s_.find(quote, pos_);
    if (end == std::string::npos || end - pos_ > 64) fail("unterminated or overlong string");
    std::string value = s_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return value;
  }
  bool boolean() {
    skip_space();
    if (s_.compare(pos_, 4, "True") == 0) {
      pos_ += 4;
      return true;
    }
    if (s_.compare(pos_, 5, "False") == 0) {
      pos_ += 5;
      return false;
    }
    fail("expected True or False");
  }
  std::vector<int64_t> tuple() {
    std::vector<int64_t> dims;
    expect('(');
    while (!at(')')) {
      if (static_cast<int>(dims.size()) == kMaxNpyDims)
        fail("more than " + std::to_string(kMaxNpyDims) + " dimensions");
      if (pos_ >= s_.size() || !std::isdigit(static_cast<unsigned char>(s_[pos_]))) fail("expected a dimension");
      int64_t d = 0;
      while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
        d = d * 10 + (s_[pos_++] - '0');
        if (d > kMaxNpyElements) fail("a dimension above 2^40");
      }
      dims.push_back(d);
      if (!at(')')) expect(',');
    }
    expect(')');
    return dims;
  }

  const std::string& s_;
  const std::string& what_;
  size_t pos_ = 0;
};

NpyType type_of_descr(const std::string& descr, const std::string& what) {
  if (descr == "<f4") return NpyType::float32;
  if (descr == "|u1" || descr == "<u1") return NpyType::uint8;
  if (descr == "<i4") return NpyType::int32;
  if (descr == "<i8") return NpyType::int64;
  const bool big = !descr.empty() && descr[0] == '>';
  throw Error(what + ": dtype '" + descr + "' is not supported (" +
              (big ? "big-endian; " : "") + "expected float32 '<f4', uint8 '|u1', int32 '<i4' or int64 '<i8')");
}

const char* descr_of(NpyType type) {
  switch (type) {
    case NpyType::float32: return "<f4";
    case NpyType::uint8: return "|u1";
    case NpyType::int32: return "<i4";
    case NpyType::int64: return "<i8";
  }
  return "?";
}

uint32_t little_endian(const std::string& bytes, size_t pos, size_t count) {
  uint32_t v = 0;
  for (size_t k = 0; k < count; ++k) v |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[pos + k])) << (8 * k);
  return v;
}

}  // namespace

const char* npy_type_name(NpyType type) {
  switch (type) {
    case NpyType::float32: return "float32";
    case NpyType::uint8: return "uint8";
    case NpyType::int32: return "int32";
    case NpyType::int64: return "int64";
  }
  return "?";
}

int64_t npy_item_bytes(NpyType type) {
  switch (type) {
    case NpyType::float32: return 4;
    case NpyType::uint8: return 1;
    case NpyType::int32: return 4;
    case NpyType::int64: return 8;
  }
  return 1;
}

int64_t NpyArray::elements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

float NpyArray::as_float(int64_t i) const {
  const char* p = bytes.data() + i * npy_item_bytes(type);
  switch (type) {
    case NpyType::float32: {
      float v;
      std::memcpy(&v, p, 4);
      return v;
    }
    case NpyType::uint8: return static_cast<float>(static_cast<uint8_t>(*p));
    default: return static_cast<float>(as_int64(i));
  }
}

int64_t NpyArray::as_int64(int64_t i) const {
  const char* p = bytes.data() + i * npy_item_bytes(type);
  switch (type) {
    case NpyType::int64: {
      int64_t v;
      std::memcpy(&v, p, 8);
      return v;
    }
    case NpyType::int32: {
      int32_t v;
      std::memcpy(&v, p, 4);
      return v;
    }
    case NpyType::uint8: return static_cast<uint8_t>(*p);
    case NpyType::float32: return static_cast<int64_t>(as_float(i));
  }
  return 0;
}

NpyArray parse_npy(std::string&& bytes, const std::string& what) {
  if (bytes.size() < kMagicBytes + 2 || bytes.compare(0, kMagicBytes, kMagic, kMagicBytes) != 0)
    throw Error(what + ": not a .npy file (no \\x93NUMPY magic)");
  const int major = static_cast<uint8_t>(bytes[6]), minor = static_cast<uint8_t>(bytes[7]);
  if (!(major >= 1 && major <= 3 && minor == 0))
    throw Error(what + ": .npy format version " + std::to_string(major) + "." + std::to_string(minor) +
                ": expected 1.0, 2.0 or 3.0");
  const size_t length_bytes = major == 1 ? 2 : 4;
  const size_t prefix = kMagicBytes + 2 + length_bytes;
  if (bytes.size() < prefix) throw Error(what + ": truncated .npy file (it ends inside the header length)");
  const uint32_t header_bytes = little_endian(bytes, kMagicBytes + 2, length_bytes);
  if (header_bytes > kMaxNpyHeaderBytes)
    throw Error(what + ": .npy header of " + std::to_string(header_bytes) + " bytes: expected at most " +
                std::to_string(kMaxNpyHeaderBytes));
  if (bytes.size() - prefix < header_bytes)
    throw Error(what + ": truncated .npy file (it ends inside the " + std::to_string(header_bytes) + "-byte header)");
  const std::string header = bytes.substr(prefix, header_bytes);
  // Versions 1 and 2 are latin-1, 3 is UTF-8; the dict NumPy writes is ASCII either way.
  for (char c : header)
    if (c == '\0' || static_cast<unsigned char>(c) >= 0x80)
      throw Error(what + ": .npy header holds a byte that is not printable ASCII");

  std::string descr;
  bool fortran = false;
  NpyArray array;
  HeaderReader(header, what).parse(descr, fortran, array.shape);
  array.type = type_of_descr(descr, what);
  if (fortran)
    throw Error(what + ": fortran_order is True: expected a C-order array (numpy.ascontiguousarray before saving)");
  int64_t elements = 1;
  for (int64_t d : array.shape) {
    if (d != 0 && elements > kMaxNpyElements / d)
      throw Error(what + ": shape of more than 2^40 elements");
    elements *= d;
  }
  const uint64_t expected = static_cast<uint64_t>(elements) * static_cast<uint64_t>(npy_item_bytes(array.type));
  const uint64_t found = bytes.size() - prefix - header_bytes;
  if (found != expected)
    throw Error(what + ": " + (found < expected ? "truncated .npy file: " : "trailing bytes in .npy file: ") +
                "the shape needs " + std::to_string(expected) + " bytes of data, the file holds " +
                std::to_string(found));
  bytes.erase(0, prefix + header_bytes);
  array.bytes = std::move(bytes);
  return array;
}

NpyArray read_npy(const std::string& path) { return parse_npy(read_file(path), path); }

std::string encode_npy(const NpyArray& array) {
  require(array.bytes.size() == static_cast<size_t>(array.elements() * npy_item_bytes(array.type)),
          "encode_npy: " + std::to_string(array.bytes.size()) + " data bytes for " +
              std::to_string(array.elements()) + " elements of " + npy_type_name(array.type));
  // NumPy's repr of the shape: "()", "(2,)", "(2, 3)".
  std::string shape = "(";
  for (size_t k = 0; k < array.shape.size(); ++k) shape += (k ? ", " : "") + std::to_string(array.shape[k]);
  shape += array.shape.size() == 1 ? ",)" : ")";
  std::string header =
      std::string("{'descr': '") + descr_of(array.type) + "', 'fortran_order': False, 'shape': " + shape + ", }";
  // NumPy pads with spaces and a final newline so that the data starts at a multiple of 64.
  const bool v2 = header.size() + 1 + kMagicBytes + 4 > 65535;
  const size_t prefix = kMagicBytes + 2 + (v2 ? 4 : 2);
  const size_t total = (prefix + header.size() + 1 + 63) / 64 * 64;
  header.append(total - prefix - header.size() - 1, ' ');
  header += '\n';
  std::string out(kMagic, kMagicBytes);
  out += static_cast<char>(v2 ? 2 : 1);
  out += '\0';
  for (size_t k = 0; k < (v2 ? 4u : 2u); ++k) out += static_cast<char>((header.size() >> (8 * k)) & 0xff);
  return out + header + array.bytes;
}

}  // namespace mpq
