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
// of its bits. Among width multipliers (up to the original) and input sizes (the original
// and smaller ones the data allows, `input_sizes`), the fitting configuration with the
// most multiply-accumulates; throws Error when none fits.
ModelSpec largest_fitting_8bit_model(const ModelSpec& original, const std::vector<int64_t>& input_sizes,
                                     const MemoryBudget& budget);

}  // namespace mpq
