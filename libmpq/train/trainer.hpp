// train: the supervised training loop shared by float training (`mpq train`), fake-quant
// fine-tuning and the search's short fine-tunes: epochs of SGD over a BatchLoader,
// cosine learning rate with warm-up, evaluation, progress, and atomic per-epoch
// checkpoints from which a killed run resumes to the same result.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "libmpq/data/dataset.hpp"
#include "libmpq/nn/checkpoint.hpp"
#include "libmpq/nn/model.hpp"
#include "libmpq/train/teacher_logits_cache.hpp"

namespace mpq {

// Bounds of a run: far beyond any real one, small enough that steps (epochs x batches)
// and the ETA stay exact in int64 and double arithmetic.
constexpr int64_t kMaxEpochs = 100000;
constexpr int64_t kMaxBatchSize = 65536;

struct TrainOptions {
  int64_t epochs = 15;
  int64_t batch_size = 128;
  float lr = 0.1f;            // peak learning rate (after warm-up)
  float min_lr = 0.f;
  float momentum = 0.9f;      // SGD, Nesterov
  float weight_decay = 1e-4f; // conv and linear weights only
  double warmup_epochs = 1;
  uint64_t seed = 1;          // data order and augmentation
  bool augment = true;
  int64_t max_batches_per_epoch = 0;  // 0 = whole epochs; >0 for quick runs and tests
  std::string checkpoint_path;        // "" = do not checkpoint
  std::string checkpoint_kind = "float";  // stored as meta "kind"
  bool quiet = false;
  // Each batch in this many passes whose gradients are added in a fixed order
  // (sharded_step.hpp): the model depends on it, never on the number of ranks.
  int64_t shards = 1;
  // Data-parallel over the ranks of an MPI job (libmpq/dist): each rank computes a range
  // of every batch's shards; rank 0 alone validates, checkpoints and prints. Every rank
  // must construct and run its Trainer with the same options and data.
  bool over_ranks = false;
};

struct EpochStats {
  int64_t epoch = 0;  // 1-based
  double train_loss = 0, train_accuracy = 0;
  double val_loss = 0, val_accuracy = -1;  // -1 without a validation set
  double seconds = 0, images_per_second = 0;
};

struct EvalResult {
  double loss = 0, accuracy = 0;
  int64_t images = 0;
};

// Inference (Model::infer) of a batch in chunks whose largest activation holds at most
// max_floats (default 32 Mi floats, 128 MB): the same logits as one pass (eval mode),
// with memory bounded at large inputs (MobileNetV1 at 224x224: 41 images per chunk,
// ~0.6 GB instead of ~3.3 GB for a batch of 256). inference_chunk() is that number of
// images (at least 1).
constexpr int64_t kInferenceChunkFloats = int64_t{32} << 20;
int64_t inference_chunk(const Model& model, int64_t max_floats = kInferenceChunkFloats);
void infer_in_chunks(Model& model, const Tensor& images, Tensor& logits, int64_t max_floats = kInferenceChunkFloats);

// Accuracy and mean loss of `model` (evaluation mode) over a whole dataset, batch by
// batch (infer_in_chunks); frees the model's activations afterwards.
EvalResult evaluate(Model& model, const Dataset& data, int64_t batch_size = 256, int64_t max_images = 0);

class Trainer {
 public:
  Trainer(Model& model, const Dataset& train, const Dataset* validation, TrainOptions options);

  // Continues from a checkpoint this trainer wrote (model, optimizer, epoch, history).
  // Throws Error when it belongs to another model or kind of run. An epoch-0 checkpoint
  // (from mpq import) has no optimizer state: training starts from its weights.
  void resume(const Checkpoint& ckpt, const std::string& what);
  // Runs the remaining epochs; calls on_epoch after each one (after checkpointing).
  std::vector<EpochStats> run(const std::function<void(const EpochStats&)>& on_epoch = {});

  int64_t completed_epochs() const { return completed_epochs_; }
  const std::vector<EpochStats>& history() const { return history_; }
  // Distills from `teacher` (e.g. the float model a fine-tune starts from; it must
  // outlive run()): see mix_distillation_gradient. The reported training loss stays the
  // cross-entropy.
  void set_teacher(Model& teacher, float weight, float temperature);
  // The same, with the teacher's logits answered by `cache` (which must outlive run())
  // for batches it has seen: for many fine-tunes on the same batches (a search).
  void set_teacher(TeacherLogitsCache& cache, float weight, float temperature);
  // Extra metadata written into every checkpoint (e.g. the policy of a fine-tune).
  std::map<std::string, std::string> extra_meta;

 private:
  Model& model_;
  const Dataset& train_;
  const Dataset* validation_;
  TrainOptions options_;
  int64_t completed_epochs_ = 0;
  std::vector<EpochStats> history_;
  Model* teacher_ = nullptr;
  TeacherLogitsCache* teacher_cache_ = nullptr;
  float distill_weight_ = 0.f, distill_temperature_ = 1.f;
  Checkpoint pending_resume_;
  bool has_resume_ = false;
};

std::string format_epoch(const EpochStats& s, int64_t total_epochs, double eta_seconds);

}  // namespace mpq
