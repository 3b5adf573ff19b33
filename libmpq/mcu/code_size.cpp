#include "libmpq/mcu/code_size.hpp"

#include <algorithm>
#include <cstring>

#include "libmpq/core/error.hpp"
#include "libmpq/mcu/code_size_table.hpp"
#include "libmpq/runtime/kernel_table.hpp"

namespace mpq {

namespace {

namespace table = code_size_table;

// The generated table on a 32-bit core: mpq_fw_kernel is 4 bytes of widths and two
// function pointers, mpq_fw_kernel_table a pointer and a count (mpq_fw_kernels.h).
constexpr uint32_t kTableEntryBytes = 12;
constexpr uint32_t kTableHeaderBytes = 8;

std::string measured_list() {
  std::string out;
  for (const CodeTarget& t : measured_code_targets()) out += (out.empty() ? "" : ", ") + t.text();
  return out;
}

const table::Config& find_config(const CodeTarget& target) {
  if (!code_sizes_measured())
    throw Error("code sizes were not measured: this mpq was built without arm-none-eabi-g++ (meson option "
                "code_size); count the model alone with --code none");
  for (size_t i = 0; i < table::config_count(); ++i) {
    const table::Config& c = table::configs()[i];
    if (target.cpu == c.cpu && target.optimization == c.optimization) return c;
  }
  throw Error("no code sizes measured for " + target.text() + " (measured: " + measured_list() + ")");
}

}  // namespace

std::string CodeTarget::text() const { return counted() ? cpu + " -O" + optimization : "none"; }

bool code_sizes_measured() { return table::config_count() > 0; }

std::vector<CodeTarget> measured_code_targets() {
  std::vector<CodeTarget> out;
  for (size_t i = 0; i < table::config_count(); ++i) out.push_back({table::configs()[i].cpu, table::configs()[i].optimization});
  return out;
}

CodeBytes code_bytes(const CodeTarget& target, const std::vector<std::string>& variants) {
  const table::Config& c = find_config(target);
  std::vector<bool> in_core(c.section_count, false), used(c.section_count, false);
  CodeBytes out;
  for (uint32_t k = 0; k < c.core_count; ++k) {
    const uint16_t s = c.core[k];
    in_core[s] = used[s] = true;
    out.runtime_bytes += c.section_bytes[s];
    out.library_bytes += c.section_is_library[s] ? c.section_bytes[s] : 0u;
  }
  const table::Variant* end = c.variants + c.variant_count;
  for (const std::string& name : variants) {
    const table::Variant* v = std::lower_bound(c.variants, end, name,
                                               [](const table::Variant& a, const std::string& n) { return a.name < n; });
    if (v == end || name != v->name) throw Error("no code size for kernel variant '" + name + "' on " + target.text());
    for (uint32_t k = v->first; k < v->first + v->count; ++k) {
      const uint16_t s = c.variant_sections[k];
      if (!in_core[s]) out.unshared_variant_bytes += c.section_bytes[s];
      if (used[s]) continue;
      used[s] = true;
      out.variant_bytes += c.section_bytes[s];
      out.library_bytes += c.section_is_library[s] ? c.section_bytes[s] : 0u;
    }
  }
  out.variant_count = static_cast<uint32_t>(variants.size());
  out.table_bytes = kTableHeaderBytes + kTableEntryBytes * out.variant_count;
  return out;
}

CodeBytes code_bytes(const CodeTarget& target, const std::vector<rt::OpRecord>& records) {
  std::vector<std::string> names;
  for (const rt::OpRecord& r : records) {
    char name[64];
    names.push_back(rt::op_variant_name(rt::op_variant(r), name, sizeof name));
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return code_bytes(target, names);
}

void count_code(MemoryReport& report, const std::vector<rt::OpRecord>& records, const CodeTarget& target) {
  if (!target.counted()) return;
  report.code_flash_bytes = code_bytes(target, records).total();
  report.flash_bytes = report.model_flash_bytes + report.code_flash_bytes;
}

std::string parse_optimization_level(const std::string& text, const std::string& what) {
  std::string t = text;
  if (t.rfind("-", 0) == 0) t.erase(0, 1);
  if (t.size() == 2 && (t[0] == 'O' || t[0] == 'o')) t.erase(0, 1);
  if (t == "3" || t == "2" || t == "s") return t;
  throw Error(what + ": '" + text + "' is not an optimization level (3, 2 or s: -O3, -O2, -Os)");
}

}  // namespace mpq
