#pragma once

#include <cstdint>
#include <string>

namespace mpq {

// Little-endian binary encoding for the project's file formats (checkpoints, replay
// buffers). The reader checks every read against the end of the buffer and throws an
// Error naming `what` (usually the file) and the field being read.
class ByteWriter {
 public:
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(uint32_t v);
  void u64(uint64_t v);
  void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }
  void f32(float v);
  void f64(double v);
  void str(const std::string& s);  // u32 length + bytes
  void raw(const void* data, size_t size) { out_.append(static_cast<const char*>(data), size); }
  void floats(const float* data, size_t count);
  std::string& bytes() { return out_; }

 private:
  std::string out_;
};

class ByteReader {
 public:
  ByteReader(const std::string& bytes, std::string what, size_t begin = 0, size_t end = std::string::npos);
  uint8_t u8(const char* field);
  // A boolean written as u8 0 or 1; any other byte throws, so that what was read saves
  // back to the same bytes.
  bool flag(const char* field);
  uint32_t u32(const char* field);
  uint64_t u64(const char* field);
  int64_t i64(const char* field) { return static_cast<int64_t>(u64(field)); }
  float f32(const char* field);
  double f64(const char* field);
  std::string str(const char* field);
  void floats(float* data, size_t count, const char* field);
  size_t position() const { return pos_; }
  size_t remaining() const { return end_ - pos_; }

 private:
  const char* take(size_t n, const char* field);
  const std::string& bytes_;
  std::string what_;
  size_t pos_;
  size_t end_;
};

}  // namespace mpq
