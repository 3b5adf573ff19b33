#include "libmpq/search/baselines.hpp"

#include "libmpq/core/error.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/quant/op_records.hpp"

namespace mpq {

std::vector<NamedPolicy> fitting_uniform_policies(const QuantGraph& graph, const MemoryBudget& budget) {
  std::vector<NamedPolicy> out;
  for (int w : {8, 4, 2})
    for (int a : {8, 4, 2}) {
      if (budget.weights_only && a != 8) continue;
      Policy p = uniform_policy(graph, w, a);
      if (fits(budget_memory(graph, p, budget), budget))
        out.push_back({"uniform w" + std::to_string(w) + "a" + std::to_string(a), p});
    }
  return out;
}

Policy rule_based_policy(const QuantGraph& graph, const MemoryBudget& budget) {
  Policy p = uniform_policy(graph, 8, 8);
  enforce_budget(graph, p, budget);
  return p;
}

bool Shrunk8bitCandidate::fits(uint64_t flash_budget, uint64_t ram_budget) const {
  if (ram <= ram_budget) return flash <= flash_budget;
  return patched_ram <= ram_budget && patched_flash <= flash_budget;
}

std::vector<Shrunk8bitCandidate> shrunk_8bit_candidates(const ModelSpec& original,
                                                        const std::vector<int64_t>& input_sizes,
                                                        const PatchSetting& patch, const CodeTarget& code) {
  const float widths[] = {1.0f, 0.75f, 0.5f, 0.35f, 0.25f, 0.2f, 0.15f, 0.125f, 0.1f, 0.075f, 0.05f};
  std::vector<Shrunk8bitCandidate> out;
  for (float w : widths) {
    if (w > original.width + 1e-6f) continue;
    for (int64_t size : input_sizes) {
      Shrunk8bitCandidate c;
      c.spec = original;
      c.spec.width = w;
      c.spec.in_height = c.spec.in_width = size;
      Model m = build_model(c.spec, 1);
      const QuantGraph g = build_quant_graph(m);
      const Policy w8a8 = uniform_policy(g, 8, 8);
      const std::vector<rt::OpRecord> records = op_records(g, op_bits(g, w8a8));
      MemoryReport r = policy_memory(g, w8a8);
      MemoryReport patched = policy_memory(g, w8a8, patch);
      count_code(r, records, code);
      count_code(patched, records, code);
      c.flash = r.flash_bytes;
      c.ram = r.ram_bytes;
      c.patched_flash = patched.flash_bytes;
      c.patched_ram = patched.ram_bytes;
      for (const QOp& op : g.ops) c.macs += op.macs();
      out.push_back(c);
    }
  }
  return out;
}

std::vector<int64_t> shrunk_input_sizes(const ModelSpec& original) {
  std::vector<int64_t> sizes{original.in_height};
  if (original.in_height > 28 && original.in_channels == 1 && !original.is_graph()) sizes.push_back(28);
  return sizes;
}

ModelSpec largest_fitting_8bit_model(const ModelSpec& original, const std::vector<int64_t>& input_sizes,
                                     const MemoryBudget& budget) {
  ModelSpec best;
  int64_t best_macs = -1;
  for (const Shrunk8bitCandidate& c : shrunk_8bit_candidates(original, input_sizes, budget.patch, budget.code)) {
    if (!c.fits(budget.flash, budget.ram) || c.macs <= best_macs) continue;
    best_macs = c.macs;
    best = c.spec;
  }
  require(best_macs >= 0, "no shrunk 8-bit " + original.arch + " (width down to 0.05) fits " + budget.source);
  return best;
}

}  // namespace mpq
