#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "libmpq/data/dataset.hpp"
#include "libmpq/nn/checkpoint.hpp"
#include "libmpq/quant/policy.hpp"

namespace mpq {

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
};

// Scores policies; identical policies are evaluated once (cache by Policy::key()). The
// cache is exposed so that a search checkpoint can carry it across a resume.
class PolicyEvaluator {
 public:
  PolicyEvaluator(const Checkpoint& float_ckpt, std::string float_path, const Dataset& train, const Dataset& val,
                  EvalOptions options);

  // Validation accuracy in [0, 1] after the short fine-tune.
  double accuracy(const Policy& policy);
  // Accuracy of the float model on the same validation images.
  double float_accuracy();
  int64_t evaluations() const { return evaluations_; }
  // Where evaluation time went, in seconds: building and calibrating the fake-quant
  // model, the short fine-tune, the validation pass.
  double prepare_seconds() const { return prepare_seconds_; }
  double finetune_seconds() const { return finetune_seconds_; }
  double validate_seconds() const { return validate_seconds_; }
  std::map<std::string, double>& cache() { return cache_; }
  const EvalOptions& options() const { return options_; }

 private:
  const Checkpoint& float_ckpt_;
  std::string float_path_;
  const Dataset& train_;
  const Dataset& val_;
  EvalOptions options_;
  std::map<std::string, double> cache_;
  int64_t evaluations_ = 0;
  double float_accuracy_ = -1;
  double prepare_seconds_ = 0, finetune_seconds_ = 0, validate_seconds_ = 0;
};

}  // namespace mpq
