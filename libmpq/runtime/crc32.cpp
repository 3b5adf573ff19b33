#include "libmpq/runtime/crc32.hpp"

namespace mpq::rt {

namespace {

constexpr uint32_t kPolynomial = 0xEDB88320u;

// CRC of one 4-bit value: entry n is the remainder after shifting n through 4 steps.
constexpr uint32_t nibble_remainder(uint32_t n) {
  uint32_t c = n;
  for (int k = 0; k < 4; ++k) c = (c & 1u) ? (c >> 1) ^ kPolynomial : c >> 1;
  return c;
}

constexpr uint32_t kNibbleTable[16] = {
    nibble_remainder(0),  nibble_remainder(1),  nibble_remainder(2),  nibble_remainder(3),
    nibble_remainder(4),  nibble_remainder(5),  nibble_remainder(6),  nibble_remainder(7),
    nibble_remainder(8),  nibble_remainder(9),  nibble_remainder(10), nibble_remainder(11),
    nibble_remainder(12), nibble_remainder(13), nibble_remainder(14), nibble_remainder(15),
};
static_assert(kNibbleTable[1] == 0x1DB71064u && kNibbleTable[8] == 0xEDB88320u,
              "the reflected IEEE polynomial's 4-bit table");

}  // namespace

uint32_t crc32(const uint8_t* data, uint32_t size, uint32_t crc) {
  uint32_t c = ~crc;
  for (uint32_t i = 0; i < size; ++i) {
    c ^= data[i];
    c = (c >> 4) ^ kNibbleTable[c & 0xFu];
    c = (c >> 4) ^ kNibbleTable[c & 0xFu];
  }
  return ~c;
}

}  // namespace mpq::rt
