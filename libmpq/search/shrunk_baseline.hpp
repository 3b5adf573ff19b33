#pragma once

#include <optional>
#include <string>
#include <vector>

#include "libmpq/search/comparison_settings.hpp"
#include "libmpq/search/search_report.hpp"

namespace mpq {

// The paper's other comparison: shrink the model (width, input size) until uniform 8 bits
// fit the budget, train it from scratch like the float model it competes with (the recipe
// recorded in the float checkpoint, training_recipe; settings.shrunk_epochs > 0 overrides
// the epochs; resumable at <out_dir>/shrunk/float.mpqc, or <shrunk_dir>/<model>.mpqc), then
// give it the same `runs` final fine-tunes as the compared policies
// (final/shrunk-w8a8[.seed<k>].mpqc). Appends how it was trained to `notes`. Under a tight RAM budget no shrunk
// model may fit at all: then it returns nothing and appends the reason to `notes`.
std::optional<FinalResult> shrunk_baseline(const ComparisonInputs& in, const ComparisonSettings& settings,
                                           int64_t runs, const ComparisonProgressFn& progress,
                                           std::vector<std::string>& notes);

}  // namespace mpq
