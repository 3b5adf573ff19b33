#pragma once

#include "libmpq/search/comparison_settings.hpp"

namespace mpq {

// The search's answer. The short fine-tune that scores candidates is a noisy proxy, so the
// best settings.rerank distinct agent policies (warm-up included, best short score first)
// are scored again with settings.rerank_batches fine-tune batches on the whole validation
// split, and the best of those wins (validation only; the test split is not touched).
// Reports each re-scored policy as a `rescoring` stage. With rerank <= 1: the search's best
// agent policy.
Policy rescore_agent_policies(const ComparisonInputs& in, const ComparisonSettings& settings,
                              const ComparisonProgressFn& progress);

}  // namespace mpq
