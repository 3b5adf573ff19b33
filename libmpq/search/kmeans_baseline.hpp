#pragma once

#include <vector>

#include "libmpq/search/baselines.hpp"

namespace mpq {

// HAQ's non-uniform reference for the weight-only search (the seed paper's experiment 1):
// policies whose weights are per-layer k-means codebooks (libmpq/quant's
// KmeansWeightQuantized), under the same FLASH as the uniform policies. Their FLASH is
// kmeans_flash_bytes (the blob of the same bits plus a 32-bit float codebook per layer),
// so a policy that fits uniformly may not fit with k-means. Under a budget that counts code
// (a board's), libmpq_fw's code for the same bits' kernel variants counts too, as it does
// for the integer policies: every FLASH figure is the quantity the budget is checked on.

// FLASH of `policy` with k-means weights, plus the code of `code` (none: not counted).
uint32_t kmeans_policy_flash(const QuantGraph& graph, const Policy& policy, const CodeTarget& code = {});

// `policy` with weight bits lowered until its k-means FLASH fits budget.flash, by the
// enforcement's FLASH rule (the weight tensor with the most bytes above 2 bits loses one
// step); activation bits untouched. Counts budget.code like kmeans_policy_flash. Throws
// Error when even 2 bits do not fit.
Policy fit_kmeans_flash(const QuantGraph& graph, Policy policy, const MemoryBudget& budget);

// The compared k-means policies, named "... (not integer-deployable)": the searched
// policy's bits (cut by fit_kmeans_flash when its codebooks push it over), and the uniform
// weight bits with the most bits whose k-means FLASH fits (activations 8-bit). Empty when
// not even k-means at 2 bits fits.
std::vector<NamedPolicy> kmeans_policies(const QuantGraph& graph, const Policy& searched, const MemoryBudget& budget);

}  // namespace mpq
