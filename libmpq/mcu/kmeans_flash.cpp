#include "libmpq/mcu/kmeans_flash.hpp"

#include "libmpq/core/error.hpp"

namespace mpq {

uint32_t kmeans_codebook_bytes(int bits) {
  require(bits == 2 || bits == 4 || bits == 8, "k-means FLASH: bits must be 2, 4 or 8");
  return (uint32_t{1} << bits) * kKmeansCentroidBytes;
}

uint32_t kmeans_flash_bytes(const MemoryReport& uniform) {
  uint64_t total = uniform.flash_bytes;
  for (const OpMemory& op : uniform.ops)
    if (op.weight_bits > 0) total += kmeans_codebook_bytes(op.weight_bits);
  require(total <= UINT32_MAX, "k-means FLASH: over 4 GiB");
  return static_cast<uint32_t>(total);
}

}  // namespace mpq
