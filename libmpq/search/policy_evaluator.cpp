#include "libmpq/search/policy_evaluator.hpp"

#include "libmpq/core/timer.hpp"
#include "libmpq/data/dataset_subset.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/train/finetune.hpp"

namespace mpq {

PolicyEvaluator::PolicyEvaluator(const Checkpoint& float_ckpt, std::string float_path, const Dataset& train,
                                 const Dataset& val, EvalOptions options)
    : float_ckpt_(float_ckpt), float_path_(std::move(float_path)), train_(train), val_(val), options_(options) {}

double PolicyEvaluator::accuracy(const Policy& policy) {
  const std::string key = policy.key();
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;
  Timer timer;
  Model model = prepare_fake_quant_model(float_ckpt_, float_path_, policy, train_, options_.calibration_images);
  prepare_seconds_ += timer.seconds();
  timer.reset();
  TrainOptions t = default_finetune_options();
  t.epochs = 1;
  t.max_batches_per_epoch = options_.finetune_batches;
  t.batch_size = options_.batch_size;
  t.lr = options_.lr;
  t.seed = options_.seed;
  t.quiet = true;
  if (options_.finetune_batches > 0) {
    Trainer trainer(model, train_, nullptr, t);
    trainer.run();
  }
  finetune_seconds_ += timer.seconds();
  timer.reset();
  const DatasetSubset val = first_samples(val_, options_.val_images);
  const double acc = evaluate(model, val).accuracy;
  validate_seconds_ += timer.seconds();
  cache_[key] = acc;
  ++evaluations_;
  return acc;
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
