#include "fuzz/fuzz_support.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "libmpq/core/crc32.hpp"

namespace mpq::fuzz {

void fail(const std::string& what) {
  std::fprintf(stderr, "fuzz: %s\n", what.c_str());
  std::abort();
}

void repair_crc32(std::string& bytes, size_t at, size_t from, size_t to) {
  if (at + 4 > bytes.size() || from > to || to > bytes.size()) return;
  const uint32_t crc = crc32(bytes.data() + from, to - from);
  for (int k = 0; k < 4; ++k) bytes[at + k] = static_cast<char>(crc >> (8 * k));
}

MemoryFile::MemoryFile() {
  fd_ = memfd_create("mpq-fuzz-input", 0);
  if (fd_ < 0) fail("memfd_create failed");
  path_ = "/proc/self/fd/" + std::to_string(fd_);
}

MemoryFile::~MemoryFile() { close(fd_); }

void MemoryFile::write(const uint8_t* data, size_t size) {
  if (ftruncate(fd_, 0) != 0) fail("ftruncate of the memory file failed");
  size_t done = 0;
  while (done < size) {
    const ssize_t n = pwrite(fd_, data + done, size - done, static_cast<off_t>(done));
    if (n <= 0) fail("write to the memory file failed");
    done += static_cast<size_t>(n);
  }
}

}  // namespace mpq::fuzz
