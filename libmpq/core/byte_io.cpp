#include "libmpq/core/byte_io.hpp"

#include <cstring>

#include "libmpq/core/error.hpp"

namespace mpq {

// The host is little-endian (x86-64, AArch64, Cortex-M); byte order is written out
// explicitly anyway so that the format does not depend on it.
void ByteWriter::u32(uint32_t v) {
  for (int i = 0; i < 4; ++i) u8(static_cast<uint8_t>(v >> (8 * i)));
}
void ByteWriter::u64(uint64_t v) {
  for (int i = 0; i < 8; ++i) u8(static_cast<uint8_t>(v >> (8 * i)));
}
void ByteWriter::f32(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, 4);
  u32(bits);
}
void ByteWriter::f64(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, 8);
  u64(bits);
}
void ByteWriter::str(const std::string& s) {
  u32(static_cast<uint32_t>(s.size()));
  out_.append(s);
}
void ByteWriter::floats(const float* data, size_t count) {
  for (size_t i = 0; i < count; ++i) f32(data[i]);
}

ByteReader::ByteReader(const std::string& bytes, std::string what, size_t begin, size_t end)
    : bytes_(bytes), what_(std::move(what)), pos_(begin), end_(end == std::string::npos ? bytes.size() : end) {
  if (end_ > bytes_.size() || pos_ > end_) throw Error(what_ + ": invalid byte range");
}

const char* ByteReader::take(size_t n, const char* field) {
  if (n > end_ - pos_)
    throw Error(what_ + ": truncated while reading " + field + " (needs " + std::to_string(n) +
                " bytes at offset " + std::to_string(pos_) + ", " + std::to_string(end_ - pos_) + " left)");
  const char* p = bytes_.data() + pos_;
  pos_ += n;
  return p;
}

uint8_t ByteReader::u8(const char* field) { return static_cast<uint8_t>(*take(1, field)); }
bool ByteReader::flag(const char* field) {
  const uint8_t v = u8(field);
  if (v > 1) throw Error(what_ + ": " + field + " is " + std::to_string(v) + ", expected 0 or 1");
  return v == 1;
}
uint32_t ByteReader::u32(const char* field) {
  const auto* p = reinterpret_cast<const unsigned char*>(take(4, field));
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(p[i]) << (8 * i);
  return v;
}
uint64_t ByteReader::u64(const char* field) {
  const auto* p = reinterpret_cast<const unsigned char*>(take(8, field));
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}
float ByteReader::f32(const char* field) {
  uint32_t bits = u32(field);
  float v;
  std::memcpy(&v, &bits, 4);
  return v;
}
double ByteReader::f64(const char* field) {
  uint64_t bits = u64(field);
  double v;
  std::memcpy(&v, &bits, 8);
  return v;
}
std::string ByteReader::str(const char* field) {
  uint32_t n = u32(field);
  const char* p = take(n, field);
  return std::string(p, n);
}
void ByteReader::floats(float* data, size_t count, const char* field) {
  if (count > (end_ - pos_) / 4)  // before count * 4, which could wrap around
    throw Error(what_ + ": truncated while reading " + field + " (needs " + std::to_string(count) + " floats at offset " +
                std::to_string(pos_) + ", " + std::to_string(end_ - pos_) + " bytes left)");
  const char* p = take(count * 4, field);
  if (count != 0) std::memcpy(data, p, count * 4);  // little-endian host, see above; data may be null when empty
}

}  // namespace mpq
