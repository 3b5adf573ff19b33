#pragma once

#include <cstddef>
#include <cstdint>

namespace mpq {

// CRC-32 (IEEE 802.3, the zlib/PNG polynomial), used as the checksum of checkpoints.
uint32_t crc32(const void* data, size_t size, uint32_t crc = 0);

}  // namespace mpq
