#pragma once

#include <string>
#include <vector>

#include "libmpq/core/stage_times.hpp"
#include "libmpq/search/final_result.hpp"
#include "libmpq/search/policy_search.hpp"

namespace mpq {

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
  InplaceKinds inplace = InplaceKinds::none;  // the budget's PatchSetting::inplace (--inplace)
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
