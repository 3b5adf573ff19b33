// Shared by the fuzz targets (one file per parser, named after it) and their seed
// generator: fuzz inputs as files, checksum repair, and how a target reports a broken
// property. docs/reliability.md says what each target checks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace mpq::fuzz {

// A property of a parser's result does not hold: prints "fuzz: <what>" and aborts, which
// libFuzzer (and the replay driver) report as a crash with the input that caused it.
[[noreturn]] void fail(const std::string& what);

// Writes the 32-bit little-endian CRC-32 of bytes [from, to) at `at`, when all three fit
// in `bytes`. The containers guard their payload with a CRC-32; repairing it lets the
// mutated payload reach the parser behind the checksum (which the unit tests cover).
void repair_crc32(std::string& bytes, size_t at, size_t from, size_t to);

// An anonymous in-memory file (memfd) for parsers that only take a path: write() replaces
// its content, path() names it (/proc/self/fd/N) for as long as the object lives.
class MemoryFile {
 public:
  MemoryFile();
  ~MemoryFile();
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;
  void write(const uint8_t* data, size_t size);
  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

}  // namespace mpq::fuzz
