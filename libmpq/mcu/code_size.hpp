// Code bytes of libmpq_fw on a Cortex-M core, from the table measured at build time
// (code_size_table.hpp; docs/memory-model.md, "Code"): the runtime core plus the kernel
// variants a model's ops run on, counted as the union of the code they reach (variants
// share kernel entries such as convolve_fast_bits<4> and the helpers), plus the kernel
// table `mpq export --c-source` generates for the blob.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libmpq/mcu/memory_model.hpp"
#include "libmpq/runtime/op_record.hpp"

namespace mpq {

// Whose code is counted: a core as -mcpu names it ("cortex-m4") and libmpq_fw's
// optimization level ("3", "2" or "s", as -Dfw_optimization). An empty cpu: none.
struct CodeTarget {
  std::string cpu;
  std::string optimization = "3";
  bool counted() const { return !cpu.empty(); }
  std::string text() const;  // "cortex-m4 -O3", or "none"
};

struct CodeBytes {
  uint32_t runtime_bytes = 0;  // the core: loader, executor, C API (not mpq_fw_load)
  uint32_t variant_bytes = 0;  // what the variants add to the core, shared code once
  uint32_t table_bytes = 0;    // the generated kernel table (entries + its header)
  uint32_t library_bytes = 0;  // of runtime + variant bytes: libgcc and C library code
  uint32_t variant_count = 0;
  // Each variant's own addition to the core, summed as if nothing were shared: >= variant_bytes.
  uint32_t unshared_variant_bytes = 0;
  uint32_t total() const { return runtime_bytes + variant_bytes + table_bytes; }
};

// Whether this build measured code sizes, and for which targets ("cortex-m4 -O3", ...).
bool code_sizes_measured();
std::vector<CodeTarget> measured_code_targets();

// The code of the runtime and of `variants` (names as rt::op_variant_name, each once).
// Throws Error when code sizes were not measured, for an unmeasured target or an unknown
// variant.
CodeBytes code_bytes(const CodeTarget& target, const std::vector<std::string>& variants);
// The same for the variants the ops of `records` run on.
CodeBytes code_bytes(const CodeTarget& target, const std::vector<rt::OpRecord>& records);

// Adds the code of `records`' variants to a report of them: code_flash_bytes, and
// flash_bytes = model_flash_bytes + code_flash_bytes. Nothing when !target.counted().
void count_code(MemoryReport& report, const std::vector<rt::OpRecord>& records, const CodeTarget& target);

// "3", "O3", "-O3" -> "3" (and 2, s); Error naming `what` otherwise.
std::string parse_optimization_level(const std::string& text, const std::string& what);

}  // namespace mpq
