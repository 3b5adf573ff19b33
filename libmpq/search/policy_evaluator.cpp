#include "libmpq/search/policy_evaluator.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "libmpq/core/error.hpp"
#include "libmpq/core/timer.hpp"
#include "libmpq/data/dataset_subset.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/train/finetune.hpp"

namespace mpq {

namespace {
constexpr int64_t kValidationBatch = 256;  // evaluate()'s default
}

const char* fidelity_name(Fidelity f) {
  switch (f) {
    case Fidelity::full: return "full";
    case Fidelity::early_reject: return "early-reject";
    case Fidelity::halving: return "halving";
  }
  return "?";
}

Fidelity parse_fidelity(const std::string& name) {
  for (Fidelity f : {Fidelity::full, Fidelity::early_reject, Fidelity::halving})
    if (name == fidelity_name(f)) return f;
  throw Error("fidelity '" + name + "': expected full, early-reject or halving");
}

PolicyEvaluator::PolicyEvaluator(const Checkpoint& float_ckpt, std::string float_path, const Dataset& train,
                                 const Dataset& val, EvalOptions options)
    : float_ckpt_(float_ckpt), float_path_(std::move(float_path)), train_(train), val_(val), options_(options) {
  require(options_.reject_chunk >= 1, "evaluator: reject chunk must be at least 1 image");
  require(options_.reject_margin >= 0, "evaluator: reject margin must be >= 0");
  require(options_.short_batches >= 0 && options_.short_images >= 1 && options_.promote_margin >= 0,
          "evaluator: halving needs short batches >= 0, short images >= 1 and a promote margin >= 0");
}

PolicyEvaluator::~PolicyEvaluator() = default;

bool PolicyEvaluator::has_score(const Policy& policy, double bar) const {
  if (options_.fidelity == Fidelity::full) bar = -1;
  const std::string key = policy.key();
  if (cache_.count(key) == 0) return false;
  auto r = rejected_.find(key);
  return r == rejected_.end() || (bar >= 0 && r->second < bar);
}

void PolicyEvaluator::record_score(const std::string& key, double accuracy, double bound) {
  cache_[key] = accuracy;
  if (bound >= 0) {
    rejected_[key] = bound;
    ++rejections_;
  } else {
    rejected_.erase(key);
  }
  ++evaluations_;
}

void PolicyEvaluator::adopt_score(const std::string& key, double accuracy, double bound, double short_accuracy,
                                  const WorkUnits& work) {
  if (short_accuracy >= 0) short_[key] = short_accuracy;
  if (options_.fidelity == Fidelity::halving && bound < 0) ++promotions_;
  record_score(key, accuracy, bound);
  work_ += work;
}

double PolicyEvaluator::short_score(const Policy& policy) const {
  const std::string key = policy.key();
  const auto& scores = options_.fidelity == Fidelity::halving ? short_ : cache_;
  const auto it = scores.find(key);
  return it == scores.end() ? -1 : it->second;
}

Model PolicyEvaluator::finetuned(const Policy& policy, int64_t batches) {
  Timer timer;
  if (!base_)
    base_ = std::make_unique<FakeQuantBase>(
        prepare_fake_quant_base(float_ckpt_, float_path_, train_, options_.calibration_images));
  const FinetuneRecipe recipe = recipe_for(options_.quantizer, policy);
  apply_recipe(*base_, recipe);
  Model model = prepare_fake_quant_model(*base_, policy);
  prepare_seconds_ += timer.seconds();
  timer.reset();
  TrainOptions t = default_finetune_options();
  t.epochs = 1;
  t.max_batches_per_epoch = batches;
  t.batch_size = options_.batch_size;
  t.lr = options_.lr;
  t.seed = options_.seed;
  t.quiet = true;
  if (batches > 0) {
    Trainer trainer(model, train_, nullptr, t);
    if (recipe.distill > 0.f) {
      if (!teacher_) {
        teacher_ = std::make_unique<Model>(build_model(float_ckpt_.spec, 1));
        restore_model(float_ckpt_, *teacher_, float_path_);
        teacher_logits_ = std::make_unique<TeacherLogitsCache>(*teacher_);
      }
      trainer.set_teacher(*teacher_logits_, recipe.distill, recipe.distill_temperature);
    }
    trainer.run();
    const int64_t per_epoch = train_.size() / options_.batch_size;  // the trainer drops a last partial batch
    work_.train_batches += std::min(batches, per_epoch);
  }
  finetune_seconds_ += timer.seconds();
  return model;
}

// The short proxy's score is kept even when the candidate is promoted: it is the agent's
// reward either way, and a candidate rejected at one bar is promoted at a lower one (the
// random search's, which starts again from none) without running it again.
double PolicyEvaluator::halving_accuracy(const Policy& policy, double bar) {
  const std::string key = policy.key();
  auto known = short_.find(key);
  if (known == short_.end()) {
    Model model = finetuned(policy, options_.short_batches);
    Timer timer;
    if (!short_val_)
      short_val_ = std::make_unique<DatasetSubset>(class_balanced_samples(val_, options_.short_images));
    work_.val_images += short_val_->size();
    known = short_.emplace(key, evaluate(model, *short_val_).accuracy).first;
    validate_seconds_ += timer.seconds();
    ++work_.evaluations;
  }
  const double short_accuracy = known->second;
  // The bound a rejection records is the best short score at which it would still be
  // rejected: has_score() then asks for a new evaluation only from a lower bar.
  if (bar >= 0 && short_accuracy + options_.promote_margin < bar) {
    record_score(key, short_accuracy, short_accuracy + options_.promote_margin);
    return short_accuracy;
  }
  Model model = finetuned(policy, options_.finetune_batches);
  Timer timer;
  const DatasetSubset val = first_samples(val_, options_.val_images);
  work_.val_images += val.size();
  const double acc = evaluate(model, val).accuracy;
  validate_seconds_ += timer.seconds();
  record_score(key, acc, -1);
  ++promotions_;
  ++work_.evaluations;
  return acc;
}

double PolicyEvaluator::accuracy(const Policy& policy, double bar) {
  if (options_.fidelity == Fidelity::full) bar = -1;
  const std::string key = policy.key();
  if (has_score(policy, bar)) return cache_.at(key);
  if (options_.fidelity == Fidelity::halving) return halving_accuracy(policy, bar);
  Model model = finetuned(policy, options_.finetune_batches);
  Timer timer;
  double bound = -1;
  const double acc = validate(model, bar, bound);
  validate_seconds_ += timer.seconds();
  record_score(key, acc, bound);
  ++work_.evaluations;
  return acc;
}

// Full fidelity (or no bar): one pass, as before multi-fidelity existed. Early rejection:
// chunk by chunk, each a whole number of validation batches so that a complete score sees
// the same batches. Sets `bound` to the rejecting bound when it stops early.
double PolicyEvaluator::validate(Model& model, double bar, double& bound) {
  const DatasetSubset val = first_samples(val_, options_.val_images);
  const int64_t total = val.size();
  if (bar < 0) {
    work_.val_images += total;
    return evaluate(model, val).accuracy;
  }
  std::vector<int64_t> order(static_cast<size_t>(total));
  std::iota(order.begin(), order.end(), int64_t{0});
  double correct = 0;
  int64_t seen = 0;
  while (seen < total) {
    const int64_t n = std::min(options_.reject_chunk, total - seen);
    const DatasetSubset chunk(val, std::vector<int64_t>(order.begin() + seen, order.begin() + seen + n));
    const EvalResult r = evaluate(model, chunk, std::min(kValidationBatch, n));
    correct += static_cast<double>(std::llround(r.accuracy * static_cast<double>(n)));
    seen += n;
    work_.val_images += n;
    if (seen == total) break;
    const double running = correct / static_cast<double>(seen);
    const double optimistic =
        (correct + static_cast<double>(total - seen) * std::min(1.0, running + options_.reject_margin)) /
        static_cast<double>(total);
    if (optimistic < bar) {
      bound = optimistic;
      return running;
    }
  }
  return correct / static_cast<double>(total);
}

double PolicyEvaluator::float_accuracy() {
  if (float_accuracy_ < 0) {
    Model m = build_model(float_ckpt_.spec, 1);
    restore_model(float_ckpt_, m, float_path_);
    float_accuracy_ = evaluate(m, first_samples(val_, options_.val_images)).accuracy;
  }
  return float_accuracy_;
}

}  // namespace mpq
