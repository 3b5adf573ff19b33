#pragma once
// A row of the final comparison, and the bytes of one final fine-tune's run of it: the
// rank that ran the fine-tune writes them and every rank reads them into its row
// (final_finetunes_on_ranks.cpp).

#include <cstdint>
#include <string>
#include <vector>

#include "libmpq/core/byte_io.hpp"
#include "libmpq/mcu/plan_model_arena.hpp"

namespace mpq {

// One row of the final comparison: a policy (or a shrunk 8-bit model) after the same
// final fine-tune, with its memory and accuracies.
struct FinalResult {
  std::string name;   // "searched (DDPG)", "uniform w4a8", "rule-based", "random search", "shrunk 8-bit ..."
  std::string model;  // ModelSpec::to_string()
  std::string bits;   // Policy::key()
  // flash: what the budget's FLASH check counted (flash_bytes of budget_memory): the blob
  // (with k-means codebooks for a k-means row, model_flash) plus, when the budget counts
  // code (a board's), libmpq_fw's code for it (code_flash), as mpq memory --board prints.
  // ram: with `patch` (the budget's RAM check).
  uint32_t flash = 0, ram = 0;
  uint32_t model_flash = 0, code_flash = 0;
  // The patch stage the budget's RAM check planned `ram` with ("none", or "LAST_OP:GRID"
  // as mpq export --patch takes it; patch_op names the last op), the RAM layer by layer,
  // and the MACs of one inference layer by layer and as run with the stage. patch_stream:
  // the stage streams the network input (--patch-input stream; false without a stage).
  std::string patch = "none", patch_op;
  bool patch_stream = false;
  std::string patch_input() const { return patch_stream ? "stream" : "whole"; }  // --patch-input's word
  uint32_t unpatched_ram = 0;
  // inplace: `ram` (and unpatched_ram) are planned with in-place pairs of those kinds
  // (--inplace depthwise|all); separate_ram is then the RAM the same check takes with
  // separate buffers (its own stage choice), == ram without in-place.
  InplaceKinds inplace = InplaceKinds::none;
  uint32_t separate_ram = 0;
  int64_t macs = 0, patched_macs = 0;
  double mac_overhead() const;  // patched_macs / macs - 1 (0 without MACs)
  double search_accuracy = -1;  // validation accuracy after the search's short fine-tune (-1: not scored)
  // One entry per final fine-tune seed: one fine-tune of a policy moves test accuracy by a
  // few tenths of a point from seed to seed, as much as policies differ, so the comparison
  // is of means.
  std::vector<double> val_runs, test_runs;
  double val_mean() const;
  double test_mean() const;
  double test_std() const;  // sample standard deviation (0 with one run)
};

// One run as final_finetune filled `run`: its first validation and test accuracy and the
// policy's memory (bits to patched_macs). name and search_accuracy are the caller's and
// not written.
void write_final_run(ByteWriter& w, const FinalResult& run);
// Appends the run's accuracies to row.val_runs / row.test_runs and, when it is the row's
// first run, takes its memory (the same for every seed). Throws Error naming the field
// when the bytes end early.
void read_final_run(ByteReader& r, FinalResult& row);

}  // namespace mpq
