// CRC-32 of the model blob, freestanding (libmpq/core's crc32 uses zlib, a host library).
#pragma once

#include <cstdint>

namespace mpq::rt {

// CRC-32/IEEE 802.3 (reflected polynomial 0xEDB88320, initial and final XOR 0xFFFFFFFF):
// the zlib/PNG checksum, so crc32(data, n) equals zlib's crc32(0, data, n). Pass a
// previous result as `crc` to continue over more bytes. A 16-entry table: 64 bytes of
// FLASH instead of 1 KiB, two lookups per byte.
uint32_t crc32(const uint8_t* data, uint32_t size, uint32_t crc = 0);

}  // namespace mpq::rt
