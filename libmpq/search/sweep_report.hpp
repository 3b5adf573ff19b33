#pragma once

#include <string>
#include <vector>

#include "libmpq/search/budget.hpp"
#include "libmpq/search/search_report.hpp"

namespace mpq {

// What a sweep (mpq sweep) learnt at one budget: the report of the search that ran there
// (<folder>/report.json, read back by read_sweep_entry).
struct SweepEntry {
  MemoryBudget budget;
  std::string folder;  // the budget's search, relative to the sweep's folder
  std::string model;
  double float_test_accuracy = 0;
  int64_t final_epochs = 0, final_seeds = 1;
  std::vector<FinalResult> results;
  std::vector<std::string> notes;
};

// Reads a search's report.json (`text`; `what` names it in errors) into an entry.
SweepEntry read_sweep_entry(const MemoryBudget& budget, const std::string& folder, const std::string& text,
                            const std::string& what);

// The sweep's methods, one curve each: searched, rule-based, random search, the best
// fitting uniform policy, the shrunk 8-bit model and (weight-only) the best k-means policy.
enum class SweepMethod { searched, rule_based, random, best_uniform, shrunk, kmeans };
constexpr int kSweepMethods = 6;
const char* sweep_method_name(SweepMethod m);

// One method at one budget: the row it takes from the budget's report, or why there is none
// ("does not fit", "not run").
struct SweepCell {
  const FinalResult* row = nullptr;  // into SweepEntry::results; null when absent
  std::string absent;
};
SweepCell sweep_cell(const SweepEntry& entry, SweepMethod method);

// sweep.md: the setting, a table of test accuracy (mean ± std of the final fine-tunes) per
// budget and method with the memory each used, and the searched policy's margins.
std::string sweep_markdown(const std::vector<SweepEntry>& entries, bool weights_only);
// sweep.json: the same, machine-readable.
std::string sweep_json(const std::vector<SweepEntry>& entries, bool weights_only);
// sweep.svg: test accuracy against the FLASH budget and (when the budgets have one) the
// RAM budget, one curve per method with ± std bars; absent cells are gaps in a curve.
std::string sweep_svg(const std::vector<SweepEntry>& entries, bool weights_only);

}  // namespace mpq
