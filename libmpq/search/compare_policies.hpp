#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libmpq/core/stage_times.hpp"
#include "libmpq/search/comparison_settings.hpp"
#include "libmpq/search/search_report.hpp"

namespace mpq {

struct ComparisonResult {
  Policy searched;                   // the search's answer (re-scored, see rescore_agent_policies)
  std::vector<FinalResult> results;  // in report order: searched, random search, rule-based,
                                     // every fitting uniform policy, (weight-only) the k-means
                                     // policies, the shrunk model
  std::vector<std::string> notes;    // e.g. no shrunk 8-bit model fits
  int64_t final_runs = 1;            // final fine-tunes per policy: final_seeds, or 1 with 0 epochs
  std::vector<StageTime> stages;     // re-scoring, scoring, each policy's final fine-tunes, shrunk baseline
};

// The paper's comparison after a finished search: the search's answer, the best random
// policy (when random search ran), the rule-based policy and every uniform policy that
// fits, each scored like a search candidate (search_accuracy), with a weight-only budget
// the k-means policies of kmeans_policies (settings.kmeans; not scored), and all given the same
// final fine-tunes (seeds 1..final_runs, checkpoints in <out_dir>/final/, resumed when a
// killed run left them), and a shrunk 8-bit model (settings.shrunk). Reports every stage to
// `progress` before it runs. Throws Error before any work when the budget is impossible,
// the search is not finished or the settings are out of range.
ComparisonResult compare_policies(const ComparisonInputs& in, const ComparisonSettings& settings,
                                  const ComparisonProgressFn& progress = {});

}  // namespace mpq
