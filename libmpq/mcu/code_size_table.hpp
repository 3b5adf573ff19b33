// The measured code size table, generated at build time (libmpq/mcu/code_size/): per
// (core, optimization level), the FLASH bytes of every input section that a probe link of
// libmpq_fw with --gc-sections kept, which sections the runtime core keeps and which each
// kernel variant keeps. Read through code_size.hpp.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mpq::code_size_table {

struct Variant {
  const char* name;        // "convolve_i8_w4_o4" (rt::op_variant_name)
  uint32_t first, count;   // its sections: variant_sections[first .. first + count)
};

struct Config {
  const char* cpu;            // -mcpu, e.g. "cortex-m4"
  const char* optimization;   // "3", "2" or "s" (-O3, -O2, -Os)
  const uint32_t* section_bytes;
  const uint8_t* section_is_library;  // 1: libgcc or the C library (memcpy, 64-bit division)
  uint32_t section_count;
  const uint16_t* core;  // the runtime core's sections: the C API but mpq_fw_load
  uint32_t core_count;
  const Variant* variants;  // sorted by name
  uint32_t variant_count;
  const uint16_t* variant_sections;
};

const Config* configs();
size_t config_count();

}  // namespace mpq::code_size_table
