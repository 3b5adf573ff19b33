#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "libmpq/core/stage_times.hpp"
#include "libmpq/search/final_finetune.hpp"

namespace mpq {

// One final fine-tune: final_finetune's arguments, the row its accuracies go to and the
// stage its work and seconds are added to.
struct FinalFinetuneJob {
  const Checkpoint* float_ckpt = nullptr;
  std::string float_path;
  const QuantGraph* graph = nullptr;
  const Policy* policy = nullptr;
  const Dataset* train = nullptr;
  const Dataset* val = nullptr;
  const Dataset* test = nullptr;
  int64_t epochs = 1;
  uint64_t seed = 1;
  std::string path;  // its checkpoint, written by the rank that runs it
  bool kmeans_weights = false;
  PatchSetting patch;  // the budget's RAM check's stage setting
  CodeTarget code;     // the budget's FLASH check's code (none: the blob alone)
  uint64_t ram_budget = kNoRamBudget;  // and its RAM budget: a stage only where the policy is over it
  QuantizerChoice quantizer = QuantizerChoice::automatic;  // the search's (EvalOptions::quantizer)
  FinalResult* row = nullptr;
  StageTime* stage = nullptr;  // optional
};

// Runs the final fine-tunes on the ranks of the job at once (dist::run_on_ranks) and
// gives every rank every result: each row gets its runs in job order, as if the jobs had
// run one after the other here, and each stage the work and seconds of its jobs (seconds
// summed over the ranks that ran them). A fine-tune depends only on its arguments (its
// seed is the job's), so the rows do not depend on the number of ranks. `starting(job)`
// is told each job just before its round runs, on every rank. The checkpoints are written
// by the ranks that train them: on several machines --out must be a shared folder.
void final_finetunes_on_ranks(const std::vector<FinalFinetuneJob>& jobs,
                              const std::function<void(size_t)>& starting = {});

}  // namespace mpq
