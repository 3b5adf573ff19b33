#pragma once

#include <string>
#include <vector>

#include "libmpq/nn/model_spec.hpp"
#include "libmpq/search/budget.hpp"

namespace mpq {

struct NamedPolicy {
  std::string name;  // "uniform w4a8", "rule-based", ...
  Policy policy;
};

// Every uniform policy (w, a in {8, 4, 2}; logits 8-bit; a = 8 only with
// budget.weights_only) that fits the budget, most bits first.
std::vector<NamedPolicy> fitting_uniform_policies(const QuantGraph& graph, const MemoryBudget& budget);

// The rule-based memory-driven policy of Rusci et al. (MLSys 2020): start from 8 bits
// everywhere, cut activation bits at the RAM peak first, then weight bits of the layers
// with the most weight bytes, until it fits (enforce_budget).
Policy rule_based_policy(const QuantGraph& graph, const MemoryBudget& budget);

// The paper's other comparison: an 8-bit network that fits by shrinking the model instead
// of its bits. Its candidates: every width multiplier up to the original's (down to 0.05)
// at every input size of `input_sizes`, with the FLASH, RAM and multiply-accumulates of
// uniform 8 bits: layer by layer, and with the stage `patch` picks (the same when it picks
// none). A budget takes the stage only where the layer-by-layer RAM is over it, as the
// budget's RAM check does (policy_memory with a RAM budget). FLASH with the code of `code`
// for its own kernel variants, as the budget's FLASH check does.
struct Shrunk8bitCandidate {
  ModelSpec spec;
  uint32_t flash = 0, ram = 0;
  uint32_t patched_flash = 0, patched_ram = 0;
  int64_t macs = 0;
  // FLASH and RAM within the budgets, with the stage only where it needs one.
  bool fits(uint64_t flash_budget, uint64_t ram_budget) const;
};
std::vector<Shrunk8bitCandidate> shrunk_8bit_candidates(const ModelSpec& original,
                                                        const std::vector<int64_t>& input_sizes,
                                                        const PatchSetting& patch = {},
                                                        const CodeTarget& code = {});

// The input sizes a shrunk model may take: the original, and 28 for single-channel images
// larger than that (IDX data, Fashion-MNIST, exists at 28x28). An imported graph keeps its
// own size (and width): it was made for that input and need not build at another.
std::vector<int64_t> shrunk_input_sizes(const ModelSpec& original);

// Among the candidates, the fitting one with the most multiply-accumulates; throws Error
// when none fits.
ModelSpec largest_fitting_8bit_model(const ModelSpec& original, const std::vector<int64_t>& input_sizes,
                                     const MemoryBudget& budget);

}  // namespace mpq
