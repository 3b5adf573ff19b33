#include "libmpq/search/kmeans_baseline.hpp"

#include "libmpq/core/error.hpp"
#include "libmpq/mcu/byte_size.hpp"
#include "libmpq/mcu/kmeans_flash.hpp"
#include "libmpq/quant/op_records.hpp"

namespace mpq {

namespace {

// The memory of `policy` with `code` counted beside the blob: FLASH as the budget's check
// counts it (patch stages move RAM only, and k-means rows are checked on FLASH alone).
MemoryReport flash_memory(const QuantGraph& graph, const Policy& policy, const CodeTarget& code) {
  const std::vector<rt::OpRecord> records = op_records(graph, op_bits(graph, policy));
  MemoryReport r = memory_report(records);
  count_code(r, records, code);
  return r;
}

}  // namespace

uint32_t kmeans_policy_flash(const QuantGraph& graph, const Policy& policy, const CodeTarget& code) {
  return kmeans_flash_bytes(flash_memory(graph, policy, code));
}

Policy fit_kmeans_flash(const QuantGraph& graph, Policy policy, const MemoryBudget& budget) {
  for (;;) {
    const MemoryReport r = flash_memory(graph, policy, budget.code);
    const uint32_t flash = kmeans_flash_bytes(r);
    if (flash <= budget.flash) return policy;
    if (!lower_largest_weights(graph, policy, r))
      throw Error("k-means weights do not fit " + budget.source + " (FLASH " + format_bytes(budget.flash) +
                  "): at 2 bits they need " + std::to_string(flash) + " B with their codebooks" +
                  (budget.code.counted() ? " and code" : ""));
  }
}

std::vector<NamedPolicy> kmeans_policies(const QuantGraph& graph, const Policy& searched, const MemoryBudget& budget) {
  std::vector<NamedPolicy> out;
  if (kmeans_policy_flash(graph, uniform_policy(graph, 2, 8), budget.code) > budget.flash) return out;
  const Policy cut = fit_kmeans_flash(graph, searched, budget);
  out.push_back({cut == searched ? "k-means, searched bits (not integer-deployable)"
                                 : "k-means, searched bits cut to fit (not integer-deployable)",
                 cut});
  for (int w : {8, 4, 2}) {
    const Policy p = uniform_policy(graph, w, 8);
    if (kmeans_policy_flash(graph, p, budget.code) <= budget.flash) {
      out.push_back({"k-means uniform w" + std::to_string(w) + " (not integer-deployable)", p});
      break;
    }
  }
  return out;
}

}  // namespace mpq
