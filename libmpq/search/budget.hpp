#pragma once

#include <cstdint>
#include <string>

#include "libmpq/mcu/code_size.hpp"
#include "libmpq/mcu/memory_model.hpp"
#include "libmpq/quant/policy.hpp"

namespace mpq {

// What the model may use on the device, in bytes (a board's budgets or --flash/--ram).
// weights_only (the seed paper's experiment 1): activations stay 8-bit and only weight bits
// are chosen, under FLASH alone. RAM is then the arena of 8-bit activations, which weight
// bits barely move (only kernel scratch): it is computed and reported, and a RAM budget
// (kNoRamBudget: none) is checked, never met by cutting bits; check_budget_feasible refuses
// one that the 8-bit arena exceeds.
constexpr uint64_t kNoRamBudget = UINT64_MAX;

// How the RAM check plans a policy's arena (docs/search.md, "Patch stage"): `request` is
// `--patch` as mpq memory takes it: "none" (layer by layer), "auto" (per policy, the
// stage of least RAM within max_overhead extra MACs: choose_patch_stage) or "LAST_OP:GRID"
// (that stage for every policy whose arena it lowers, none for the others). stream_input
// (`--patch-input stream`): the stages stream the network input (PatchStage::stream_input),
// so the arenas compared, checked and reported are the streamed ones; it needs a stage,
// so with request "none" every use is an Error naming both flags. inplace (`--inplace
// depthwise|all`): every arena, with a stage or without, is planned with the in-place
// pairs of those kinds InplaceDepthwise::best picks (docs/memory-model.md, "In-place
// depthwise", "In-place pointwise"), and a stage must beat the stageless arena with them;
// enabled() stays about the stage alone.
struct PatchSetting {
  std::string request = "none";
  double max_overhead = 0.2;
  bool stream_input = false;
  InplaceKinds inplace = InplaceKinds::none;
  bool enabled() const { return request != "none"; }
};

struct MemoryBudget {
  uint64_t flash = 0;
  uint64_t ram = 0;
  std::string source;  // "stm32h743", "--flash 2MiB --ram 512KiB", ...
  bool weights_only = false;
  PatchSetting patch = {};  // RAM: a patch stage where it lowers the arena
  // FLASH: the blob, plus libmpq_fw's code for this target when counted (a board's budget:
  // runtime + the policy's kernel variants, count_code). Every check below uses it.
  CodeTarget code = {};
};

bool fits(const MemoryReport& report, const MemoryBudget& budget);

// memory_report of a policy of `graph`. Requires: the policy belongs to the graph (checked
// once where it entered; the budget loop calls this at every step, so it does not check).
MemoryReport policy_memory(const QuantGraph& graph, const Policy& policy);
// The same with the patch stage `patch` picks for this policy (report.patch; absent when
// none lowers its arena). Error naming the op when a stage by hand cannot run on `graph`.
MemoryReport policy_memory(const QuantGraph& graph, const Policy& policy, const PatchSetting& patch);
// The stage a RAM budget `ram` takes: none while the layer-by-layer arena fits it (the
// stage's record would only add FLASH), else the one `patch` picks. A stage costs the same
// FLASH whichever it is, so a policy fits the budget with some stage or none iff it fits
// with this one. What the search checks, and its final fine-tunes and baselines record.
MemoryReport policy_memory(const QuantGraph& graph, const Policy& policy, const PatchSetting& patch, uint64_t ram);
// What the budget checks: the memory with budget.patch under budget.ram (the overload
// above), and budget.code's code in flash_bytes.
MemoryReport budget_memory(const QuantGraph& graph, const Policy& policy, const MemoryBudget& budget);

// Lowers bits until the policy fits (Rusci et al.'s memory-driven rule, also the
// search's enforcement after every episode). The memory is budget_memory's, so with a
// patch stage enabled activation bits are cut only when the patched arena is over, and a
// policy whose arena fits layer by layer carries no stage (its record would cost FLASH):
//   while RAM > budget: at the RAM peak step, the largest activation tensor live there
//     (the peak op's output or an input produced by an earlier op, never the network
//     input or the logits) that is above 2 bits loses one step (8 -> 4 -> 2);
//     not with budget.weights_only, which never lowers activation bits;
//   while FLASH > budget: the weight tensor with the most bytes above 2 bits loses one step.
// When a stage meets the RAM budget but its record leaves FLASH over even then, the policy
// is enforced layer by layer instead (activation bits cut until it needs no stage).
// Requires: `policy` belongs to `graph` (not checked). Returns the final memory report;
// throws Error (with the smallest achievable FLASH and RAM) when even that cannot fit.
MemoryReport enforce_budget(const QuantGraph& graph, Policy& policy, const MemoryBudget& budget);

// The FLASH rule's one step, shared with the k-means baseline: the weight tensor with the
// most bytes in `report` (the memory of `policy`) that is above 2 bits loses one step
// (8 -> 4 -> 2). Returns false, changing nothing, when every weight is at 2 bits.
bool lower_largest_weights(const QuantGraph& graph, Policy& policy, const MemoryReport& report);

// Throws Error naming the smallest FLASH and RAM any policy can reach when the budget is
// impossible (2-bit weights everywhere, 2-bit activations except input and logits). With
// weights_only: the smallest FLASH of 2-bit weights and 8-bit activations, and a RAM budget
// below the 8-bit arena of uniform w8a8, w4a8 or w2a8 is refused.
void check_budget_feasible(const QuantGraph& graph, const MemoryBudget& budget);

// The budget's RAM for messages and reports: "12 KiB" or "not enforced".
std::string ram_budget_text(const MemoryBudget& budget);

}  // namespace mpq
