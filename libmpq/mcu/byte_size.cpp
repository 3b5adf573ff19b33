#include "libmpq/mcu/byte_size.hpp"

#include <cctype>
#include <cstdio>

#include "libmpq/core/error.hpp"

namespace mpq {

uint64_t parse_byte_size(const std::string& text, const std::string& what) {
  auto fail = [&](const std::string& why) -> uint64_t {
    throw Error(what + ": '" + text + "' " + why +
                " (expected bytes like 524288, 512kB, 512KiB, 2MB or 1.5MiB; k/M/G are 1024-based)");
  };
  size_t i = 0;
  while (i < text.size() && text[i] == ' ') ++i;
  uint64_t mantissa = 0, scale = 1;
  int digits = 0;
  bool fraction = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.' && !fraction) {
      fraction = true;
      continue;
    }
    if (!std::isdigit(static_cast<unsigned char>(c))) break;
    if (mantissa == 0 && c == '0' && !fraction) continue;  // leading zeros do not count
    if (++digits > 18) return fail("has too many digits");
    mantissa = mantissa * 10 + static_cast<uint64_t>(c - '0');
    if (fraction) scale *= 10;
  }
  const bool had_number = i > 0 && text.find_first_of("0123456789") < i;
  if (!had_number) return fail("is not a number of bytes");
  while (i < text.size() && text[i] == ' ') ++i;
  std::string unit;
  for (; i < text.size(); ++i) unit += static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
  while (!unit.empty() && unit.back() == ' ') unit.pop_back();
  uint64_t multiplier = 0;
  if (unit.empty() || unit == "b") multiplier = 1;
  else if (unit == "k" || unit == "kb" || unit == "kib") multiplier = 1ull << 10;
  else if (unit == "m" || unit == "mb" || unit == "mib") multiplier = 1ull << 20;
  else if (unit == "g" || unit == "gb" || unit == "gib") multiplier = 1ull << 30;
  else return fail("has an unknown unit '" + unit + "'");
  if (mantissa > (UINT64_MAX >> 1) / multiplier) return fail("is too large");
  const uint64_t scaled = mantissa * multiplier;
  if (scaled % scale != 0) return fail("is not a whole number of bytes");
  return scaled / scale;
}

std::string format_bytes(uint64_t bytes) {
  char text[48];
  if (bytes < 1024) {
    std::snprintf(text, sizeof text, "%llu B", static_cast<unsigned long long>(bytes));
  } else {
    const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(bytes) / 1024.0;
    int u = 0;
    while (v >= 1024.0 && u < 3) {
      v /= 1024.0;
      ++u;
    }
    std::snprintf(text, sizeof text, "%.2f %s", v, units[u]);
  }
  return text;
}

}  // namespace mpq
