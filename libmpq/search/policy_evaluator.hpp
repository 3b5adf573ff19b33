#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "libmpq/core/stage_times.hpp"
#include "libmpq/data/dataset.hpp"
#include "libmpq/nn/checkpoint.hpp"
#include "libmpq/quant/policy.hpp"
#include "libmpq/train/finetune_recipe.hpp"

namespace mpq {

struct FakeQuantBase;
class TeacherLogitsCache;
class DatasetSubset;

// How much of the proxy a candidate gets (docs/search.md, "Cheaper rewards").
//   full: every candidate is fine-tuned and validated on all val_images.
//   early_reject: validation runs in chunks of reject_chunk images; after each chunk but
//     the last, a candidate is rejected when even its running accuracy plus reject_margin
//     on every remaining image could not reach the caller's bar (the best score so far).
//     A rejected candidate's score is its running accuracy, which is below the bar, so it
//     never becomes the best; with reject_margin >= 1 no candidate whose complete score
//     would reach the bar is rejected.
//   halving: two rungs of successive halving. Every candidate gets the short proxy
//     (short_batches of fine-tuning, a class-balanced set of short_images validation
//     images); only one whose short score is at least the caller's bar (the best short
//     score so far) less promote_margin gets the full proxy too, and then scores exactly
//     as under full fidelity. A candidate that is not promoted counts as rejected: its
//     score is its short score and it never becomes the best. short_score() is every
//     candidate's short score, the one scale the search rewards its agent with.
enum class Fidelity : int { full, early_reject, halving };
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
  // halving's short proxy and how close to the best short score a candidate must come to
  // get the full one (docs/performance.md: the measurement behind these defaults).
  int64_t short_batches = 8;
  int64_t short_images = 1000;
  double promote_margin = 0.01;
  // The fine-tune recipe of every policy (recipe_for): the short fine-tunes here, the
  // re-scoring and the final fine-tunes of the compared policies alike.
  QuantizerChoice quantizer = QuantizerChoice::automatic;
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
  // early, under halving one whose short score is below it less the margin gets no full
  // proxy (see Fidelity; halving's bar is on the short scale); without a bar, or under
  // full fidelity, the score is complete. A cached rejected score is returned only while
  // it is still rejected at `bar`.
  double accuracy(const Policy& policy, double bar = -1);
  // Whether accuracy(policy, bar) would return a cached score without evaluating.
  bool has_score(const Policy& policy, double bar = -1) const;
  // Takes the score of an evaluation another rank ran (score_on_ranks) as if this object
  // had run it: cached (rejected with `bound` when bound >= 0) and counted with its work.
  // `short_accuracy` (>= 0) is its short score under halving.
  void adopt_score(const std::string& key, double accuracy, double bound, double short_accuracy,
                   const WorkUnits& work);
  // Under halving, the policy's short score once accuracy() has scored it (-1 before);
  // otherwise its score, the reward of every fidelity but halving.
  double short_score(const Policy& policy) const;
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
  // Under halving, the short score of every policy scored so far.
  std::map<std::string, double>& short_scores() { return short_; }
  // Under halving, how many evaluations got the full proxy.
  int64_t promotions() const { return promotions_; }
  const EvalOptions& options() const { return options_; }

 private:
  double validate(Model& model, double bar, double& bound);
  // The fake-quant model of `policy` fine-tuned for `batches`, timed and counted.
  Model finetuned(const Policy& policy, int64_t batches);
  // Halving's evaluation: the short proxy, then the full one when promoted at `bar`.
  double halving_accuracy(const Policy& policy, double bar);
  // Caches a score (rejected with `bound` when bound >= 0) and counts the evaluation.
  void record_score(const std::string& key, double accuracy, double bound);

  const Checkpoint& float_ckpt_;
  std::string float_path_;
  const Dataset& train_;
  const Dataset& val_;
  EvalOptions options_;
  std::unique_ptr<FakeQuantBase> base_;
  std::unique_ptr<Model> teacher_;  // the float model, built at the first recipe that distills
  // Its logits of the fine-tune's batches, the same for every candidate (one seed).
  std::unique_ptr<TeacherLogitsCache> teacher_logits_;
  // Halving's class-balanced short validation images, the same for every candidate:
  // chosen at the first short proxy.
  std::unique_ptr<DatasetSubset> short_val_;
  std::map<std::string, double> cache_;
  std::map<std::string, double> rejected_;
  std::map<std::string, double> short_;
  int64_t evaluations_ = 0, rejections_ = 0, promotions_ = 0;
  WorkUnits work_;
  double float_accuracy_ = -1;
  double prepare_seconds_ = 0, finetune_seconds_ = 0, validate_seconds_ = 0;
};

}  // namespace mpq
