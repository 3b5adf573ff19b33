#pragma once

#include <string>
#include <vector>

#include "libmpq/core/stage_times.hpp"
#include "libmpq/search/policy_search.hpp"

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

struct SearchSummary {
  std::string model, budget_source;
  uint64_t flash_budget = 0, ram_budget = 0;  // ram_budget kNoRamBudget: none (weight-only)
  bool weights_only = false;                  // activations 8-bit, weight bits searched under FLASH
  double float_val_accuracy = 0, float_test_accuracy = 0;
  int64_t episodes = 0, warmup = 0, random_evaluations = 0, unique_evaluations = 0;
  double search_seconds = 0;
  int64_t final_epochs = 1, final_seeds = 1;
  std::vector<std::string> notes;  // e.g. a baseline that does not exist under this budget
  std::string fidelity = "full";   // how candidates were scored (Fidelity)
  std::string fidelity_detail;     // its settings in words ("" under full fidelity)
  std::string quantizer = "auto";  // every fine-tune's recipe choice (QuantizerChoice)
  std::string patch = "none";      // the budget's PatchSetting: request and MAC cap
  std::string code = "none";       // whose code FLASH counts beside the blob (CodeTarget::text)
  double patch_max_overhead = 0.2;
  bool patch_stream = false;       // the budget's PatchSetting::stream_input (--patch-input stream)
  std::vector<StageTime> stages;   // where this run's time went (search phases, comparison)
};

// episodes.csv: episode, phase, bits (w,a per layer), flash, ram, reward, accuracy, seconds.
std::string episodes_csv(const std::vector<EpisodeRecord>& records);
// report.md: the setting and a table of every FinalResult.
std::string report_markdown(const SearchSummary& summary, const std::vector<FinalResult>& results);
// report.json: the same, machine-readable.
std::string report_json(const SearchSummary& summary, const std::vector<FinalResult>& results);
// search.svg: left, the accuracy (reward) of every episode by phase with the running
// best; right, accuracy against FLASH of every evaluated policy with the baselines marked.
std::string search_svg(const SearchSummary& summary, const std::vector<EpisodeRecord>& records,
                       const std::vector<FinalResult>& results);

}  // namespace mpq
