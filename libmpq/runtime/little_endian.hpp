// Little-endian field reads and writes of the model blob, byte by byte: they need no
// alignment and give the same value on every target. The one copy that the device parser,
// the host encoders and the exporter all use.
#pragma once

#include <cstdint>

namespace mpq::rt {

inline uint16_t read_u16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }

inline uint32_t read_u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) | (static_cast<uint32_t>(p[2]) << 16) |
         (static_cast<uint32_t>(p[3]) << 24);
}

inline int32_t read_i32(const uint8_t* p) { return static_cast<int32_t>(read_u32(p)); }

inline void write_u16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}

inline void write_u32(uint8_t* p, uint32_t v) {
  for (int k = 0; k < 4; ++k) p[k] = static_cast<uint8_t>(v >> (8 * k));
}

inline void write_i32(uint8_t* p, int32_t v) { write_u32(p, static_cast<uint32_t>(v)); }

}  // namespace mpq::rt
