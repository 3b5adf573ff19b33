// Byte counts as people write them ("2MB", "512 KiB", "1.5MiB") and as `mpq` prints them.
#pragma once

#include <cstdint>
#include <string>

namespace mpq {

// Parses a non-negative whole number of bytes: digits with an optional fraction, then an
// optional unit (case-insensitive): B; k, kB, KiB = 1024; M, MB, MiB = 1024^2; G, GB,
// GiB = 1024^3. Units are binary, as MCU datasheets use them ("2 MB FLASH" = 2 MiB).
// Spaces between number and unit are allowed. Throws Error naming `what` and the text when
// it is malformed, not a whole number of bytes, or over 2^63 bytes.
uint64_t parse_byte_size(const std::string& text, const std::string& what);

// "512 B", "1.50 KiB", "2.00 MiB", "1.25 GiB" (two decimals above 1 KiB).
std::string format_bytes(uint64_t bytes);

}  // namespace mpq
