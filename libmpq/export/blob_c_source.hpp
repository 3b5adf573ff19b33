#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mpq {

// C source and header that hold a blob as an aligned const array for firmware:
// `const uint8_t <symbol>[]` (8-byte aligned, in .rodata, i.e. FLASH) and
// `const uint32_t <symbol>_size`. header_name is what the source #includes.
std::string blob_c_source(const std::vector<uint8_t>& blob, const std::string& symbol, const std::string& header_name);
std::string blob_c_header(const std::string& symbol);

// A valid C identifier from a file stem: "model-q4.c" -> "model_q4".
std::string c_symbol_from_path(const std::string& path);

}  // namespace mpq
