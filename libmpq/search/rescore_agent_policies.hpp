#pragma once

#include "libmpq/core/stage_times.hpp"
#include "libmpq/search/comparison_settings.hpp"

namespace mpq {

// The search's answer. The short fine-tune that scores candidates is a noisy proxy, so the
// best settings.rerank distinct agent policies (warm-up included, best short score first)
// are scored again with settings.rerank_batches fine-tune batches on the whole validation
// split, and the best of those wins (validation only; the test split is not touched).
// Reports each re-scored policy as a `rescoring` stage. With rerank <= 1: the search's best
// agent policy. The re-scores are kept in <out_dir>/rescores.json (RescoreStore), keyed
// by the longer evaluation's settings and the float weights, so that a rerun re-scores
// only what it has not scored before. `stage` (when given) receives this step's time,
// work and whether it was skipped (every score found on disk).
Policy rescore_agent_policies(const ComparisonInputs& in, const ComparisonSettings& settings,
                              const ComparisonProgressFn& progress, StageTime* stage = nullptr);

// The settings string scores are kept under: the evaluation's options, the model, a
// checksum of the float checkpoint's tensors and one of the training and validation
// splits' sizes and labels (other data, other scores).
std::string rescore_settings(const Checkpoint& float_ckpt, const EvalOptions& options, const Dataset& train,
                             const Dataset& val);

}  // namespace mpq
