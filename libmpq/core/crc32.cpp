#include "libmpq/core/crc32.hpp"

#include <zlib.h>

namespace mpq {

uint32_t crc32(const void* data, size_t size, uint32_t crc) {
  // zlib's crc32 takes uInt lengths; feed large buffers in pieces.
  const auto* p = static_cast<const Bytef*>(data);
  uLong c = crc;
  while (size > 0) {
    uInt n = size > (1u << 30) ? (1u << 30) : static_cast<uInt>(size);
    c = ::crc32(c, p, n);
    p += n;
    size -= n;
  }
  return static_cast<uint32_t>(c);
}

}  // namespace mpq
