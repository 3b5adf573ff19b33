#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "libmpq/core/stage_times.hpp"
#include "libmpq/data/dataset.hpp"
#include "libmpq/nn/checkpoint.hpp"
#include "libmpq/quant/policy.hpp"

namespace mpq {

struct FakeQuantBase;

// How much of the proxy a candidate gets (docs/search.md, "Cheaper rewards").
//   full: every candidate is fine-tuned and validated on all val_images.
//   early_reject: validation runs in chunks of reject_chunk images; after each chunk but
//     the last, a candidate is rejected when even its running accuracy plus reject_margin
//     on every remaining image could not reach the caller's bar (the best score so far).
//     A rejected candidate's score is its running accuracy, which is below the bar, so it
//     never becomes the best; with reject_margin >= 1 no candidate whose complete score
//     would reach the bar is rejected.
enum class Fidelity : int { full, early_reject };
const char* fidelity_name(Fidelity f);
Fidelity parse_fidelity(const std::string& name);  // throws Error naming the choices

// How a candidate policy is scored during the search: a short fake-quant fine-tune from
// the float checkpoint on the training split, then accuracy on the first images of the
// validation split (never the test split).
struct EvalOptions {
  int64_t finetune_batches = 32;
  int64_t batch_size = 64;
  float lr = 0.005f;
  int64_t calibration_images = 256;
  int64_t val_images = 5000;
  uint64_t seed = 1;
  Fidelity fidelity = Fidelity::full;
  // A multiple of the validation batch (256), so that a complete score under early
  // rejection sees the same batches as under full fidelity (the same accuracy).
  int64_t reject_chunk = 1024;
  double reject_margin = 0.05;
};

// Scores policies; identical policies are evaluated once (cache by Policy::key()). The
// cache is exposed so that a search checkpoint can carry it across a resume. The float
// model's folding, graph and calibration images are built once, at the first evaluation.
class PolicyEvaluator {
 public:
  PolicyEvaluator(const Checkpoint& float_ckpt, std::string float_path, const Dataset& train, const Dataset& val,
                  EvalOptions options);
  ~PolicyEvaluator();

  // Validation accuracy in [0, 1] after the short fine-tune. `bar` (>= 0) is the score the
  // caller needs to beat: under early rejection a candidate that cannot reach it is stopped
  // early (see Fidelity); without a bar, or under full fidelity, the score is complete. A
  // cached rejected score is returned only while it is still rejected at `bar`.
  double accuracy(const Policy& policy, double bar = -1);
  // Whether accuracy(policy, bar) would return a cached score without evaluating.
  bool has_score(const Policy& policy, double bar = -1) const;
  // Takes the score of an evaluation another rank ran (score_on_ranks) as if this object
  // had run it: cached (rejected with `bound` when bound >= 0) and counted with its work.
  void adopt_score(const std::string& key, double accuracy, double bound, const WorkUnits& work);
  // Accuracy of the float model on the same validation images.
  double float_accuracy();
  int64_t evaluations() const { return evaluations_; }
  int64_t rejections() const { return rejections_; }
  // The work of every evaluation this object ran (not of scores loaded into the cache).
  const WorkUnits& work() const { return work_; }
  // Where evaluation time went, in seconds: building and calibrating the fake-quant
  // model, the short fine-tune, the validation pass.
  double prepare_seconds() const { return prepare_seconds_; }
  double finetune_seconds() const { return finetune_seconds_; }
  double validate_seconds() const { return validate_seconds_; }
  double seconds() const { return prepare_seconds_ + finetune_seconds_ + validate_seconds_; }
  std::map<std::string, double>& cache() { return cache_; }
  // Keys of cached scores that were rejected early, with the optimistic bound that
  // rejected them (what the score could at most have reached).
  std::map<std::string, double>& rejected() { return rejected_; }
  const EvalOptions& options() const { return options_; }

 private:
  double validate(Model& model, double bar, double& bound);
  // Caches a score (rejected with `bound` when bound >= 0) and counts the evaluation.
  void record_score(const std::string& key, double accuracy, double bound);

  const Checkpoint& float_ckpt_;
  std::string float_path_;
  const Dataset& train_;
  const Dataset& val_;
  EvalOptions options_;
  std::unique_ptr<FakeQuantBase> base_;
  std::map<std::string, double> cache_;
  std::map<std::string, double> rejected_;
  int64_t evaluations_ = 0, rejections_ = 0;
  WorkUnits work_;
  double float_accuracy_ = -1;
  double prepare_seconds_ = 0, finetune_seconds_ = 0, validate_seconds_ = 0;
};

}  // namespace mpq
