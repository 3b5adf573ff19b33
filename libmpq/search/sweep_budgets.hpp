#pragma once

#include <string>
#include <vector>

#include "libmpq/nn/model_spec.hpp"
#include "libmpq/search/budget.hpp"

namespace mpq {

// The budgets of a sweep (mpq sweep): a list "F1/R1,F2/R2,..." (each a FLASH and a RAM
// budget in parse_byte_size's syntax: 112KiB, 2MB, 524288, ...), or with weights_only
// "F1,F2,..." (RAM not enforced) where an item may still give "F/R". Budgets are kept in
// the order given; a duplicate, an empty item or a malformed size is an Error naming the
// item. Each budget's source is budget_text(b).
std::vector<MemoryBudget> parse_sweep_budgets(const std::string& text, bool weights_only);

// "112KiB/12KiB", "87.25KiB/9.75KiB", "89312B/9928B", "112KiB" (no RAM budget): exact,
// parse_sweep_budgets reads it back to the same bytes.
std::string budget_text(const MemoryBudget& budget);
// The same as a folder name: "112KiB_12KiB". Equal bytes give equal names, however the
// budget was written, so that a rerun finds the budget's search again.
std::string budget_folder_name(const MemoryBudget& budget);

// The default grid of a sweep for the model of `spec`: `count` budgets from the tightest
// feasible one (the memory of uniform 2 bits: w2a2, or w2a8 with weights_only) to 95 % of
// uniform 8 bits' (where it nearly fits), geometric in FLASH and RAM together, each
// rounded up to 256 B. Where fewer than half of evenly spaced points would admit a shrunk
// 8-bit model (shrunk_8bit_candidates), the grid bends at the first point that admits one
// so that the upper half of the budgets does; `note` says how many admit one and why when
// fewer than half can (no shrunk model fits below uniform 8 bits). RAM is planned with
// `patch` (the searches' --patch) and FLASH with `code` (a board's core: blob + code), which
// every budget carries.
struct SweepGrid {
  std::vector<MemoryBudget> budgets;
  int shrunk_fits = 0;  // budgets at which a shrunk 8-bit model fits
  std::string note;
};
SweepGrid default_sweep_grid(const ModelSpec& spec, bool weights_only, int count = 6, const PatchSetting& patch = {},
                             const CodeTarget& code = {});

}  // namespace mpq
