// Little-endian field reads from the blob: byte by byte, so they need no alignment and
// give the same value on every target.
#pragma once

#include <cstdint>

namespace mpq::rt::detail {

inline uint16_t read_u16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }

inline uint32_t read_u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

inline int32_t read_i32(const uint8_t* p) { return static_cast<int32_t>(read_u32(p)); }

}  // namespace mpq::rt::detail
