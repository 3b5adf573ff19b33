#include "libmpq/train/trainer.hpp"

#include "libmpq/train/training_recipe.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "libmpq/core/error.hpp"
#include "libmpq/core/timer.hpp"
#include "libmpq/data/batch_loader.hpp"
#include "libmpq/dist/ranks.hpp"
#include "libmpq/nn/optimizer.hpp"
#include "libmpq/nn/softmax_cross_entropy.hpp"
#include "libmpq/train/distillation.hpp"
#include "libmpq/train/sharded_step.hpp"

namespace mpq {

int64_t inference_chunk(const Model& model, int64_t max_floats) {
  int64_t largest = 1;
  for (const Shape& shape : model.node_shapes(1)) largest = std::max(largest, shape_elements(shape));
  return std::max<int64_t>(1, max_floats / largest);
}

void infer_in_chunks(Model& model, const Tensor& images, Tensor& logits, int64_t max_floats) {
  const int64_t n = images.dim(0);
  const int64_t chunk = inference_chunk(model, max_floats);
  if (n <= chunk) {
    logits = model.infer(images);
    return;
  }
  const int64_t per_image = images.size() / n;
  Tensor part;
  for (int64_t b = 0; b < n; b += chunk) {
    const int64_t e = std::min(n, b + chunk);
    Shape shape = images.shape();
    shape[0] = e - b;
    part.resize(shape);
    std::copy(images.data() + b * per_image, images.data() + e * per_image, part.data());
    const Tensor& out = model.infer(part);
    if (b == 0) {
      Shape all = out.shape();
      all[0] = n;
      logits.resize(all);
    }
    const int64_t per_out = out.size() / (e - b);
    std::copy(out.data(), out.data() + out.size(), logits.data() + b * per_out);
  }
}

EvalResult evaluate(Model& model, const Dataset& data, int64_t batch_size, int64_t max_images) {
  BatchLoader loader(data, batch_size, /*shuffle=*/false, /*augment=*/false, /*seed=*/0, /*drop_last=*/false);
  loader.start_epoch(0);
  Tensor images;
  std::vector<int32_t> labels;
  EvalResult r;
  double loss_sum = 0;
  int64_t correct = 0;
  Tensor logits;
  while (loader.next(images, labels)) {
    infer_in_chunks(model, images, logits);
    LossResult l = softmax_cross_entropy(logits, labels, nullptr);
    loss_sum += l.loss * static_cast<double>(labels.size());
    correct += l.correct;
    r.images += static_cast<int64_t>(labels.size());
    if (max_images > 0 && r.images >= max_images) break;
  }
  model.release_buffers();
  if (r.images > 0) {
    r.loss = loss_sum / static_cast<double>(r.images);
    r.accuracy = static_cast<double>(correct) / static_cast<double>(r.images);
  }
  return r;
}

Trainer::Trainer(Model& model, const Dataset& train, const Dataset* validation, TrainOptions options)
    : model_(model), train_(train), validation_(validation), options_(std::move(options)) {
  require(options_.epochs >= 1 && options_.epochs <= kMaxEpochs,
          "training: epochs must be 1.." + std::to_string(kMaxEpochs));
  require(options_.batch_size >= 1 && options_.batch_size <= kMaxBatchSize,
          "training: batch size must be 1.." + std::to_string(kMaxBatchSize));
  require(options_.shards >= 1 && options_.shards <= options_.batch_size,
          "training: the batch of " + std::to_string(options_.batch_size) + " needs 1.." +
              std::to_string(options_.batch_size) + " shards, got " + std::to_string(options_.shards));
  require(options_.lr > 0.f && std::isfinite(options_.lr), "training: learning rate must be positive and finite");
  require(train_.num_classes() == model_.spec().classes,
          "training: the data has " + std::to_string(train_.num_classes()) + " classes, the model " +
              std::to_string(model_.spec().classes));
  require(train_.sample_shape() == model_.input_shape(),
          "training: the data's images are " + shape_to_string(train_.sample_shape()) + " (HxWxC), the model expects " +
              shape_to_string(model_.input_shape()));
}

namespace {
std::string encode_history(const std::vector<EpochStats>& h) {
  std::ostringstream s;
  s.precision(17);
  for (const auto& e : h)
    s << e.epoch << ',' << e.train_loss << ',' << e.train_accuracy << ',' << e.val_loss << ',' << e.val_accuracy << ','
      << e.seconds << ',' << e.images_per_second << ';';
  return s.str();
}

std::vector<EpochStats> decode_history(const std::string& text) {
  std::vector<EpochStats> h;
  std::istringstream s(text);
  std::string row;
  while (std::getline(s, row, ';')) {
    EpochStats e;
    char c;
    std::istringstream r(row);
    r >> e.epoch >> c >> e.train_loss >> c >> e.train_accuracy >> c >> e.val_loss >> c >> e.val_accuracy >> c >>
        e.seconds >> c >> e.images_per_second;
    if (r) h.push_back(e);
  }
  return h;
}
}  // namespace

void Trainer::resume(const Checkpoint& ckpt, const std::string& what) {
  const std::string kind = ckpt.meta_or("kind", "");
  require(kind == options_.checkpoint_kind,
          what + ": is a '" + kind + "' checkpoint, cannot resume a '" + options_.checkpoint_kind + "' run from it");
  require(ckpt.spec.to_string() == model_.spec().to_string(),
          what + ": belongs to model " + ckpt.spec.to_string() + ", not " + model_.spec().to_string());
  restore_model(ckpt, model_, what);
  completed_epochs_ = ckpt.meta_count("epoch", kMaxEpochs, what);
  history_ = decode_history(ckpt.meta_or("history", ""));
  pending_resume_ = ckpt;
  has_resume_ = true;
}

void Trainer::set_teacher(Model& teacher, float weight, float temperature) {
  teacher_ = &teacher;
  teacher_cache_ = nullptr;
  distill_weight_ = weight;
  distill_temperature_ = temperature;
}

void Trainer::set_teacher(TeacherLogitsCache& cache, float weight, float temperature) {
  set_teacher(cache.teacher(), weight, temperature);
  teacher_cache_ = &cache;
}

std::vector<EpochStats> Trainer::run(const std::function<void(const EpochStats&)>& on_epoch) {
  Sgd optimizer(model_.parameters(), options_.momentum, options_.weight_decay, /*nesterov=*/true);
  // An epoch-0 checkpoint (mpq import writes those) holds weights but no optimizer state:
  // resuming it starts the optimizer fresh, i.e. trains from the imported weights.
  if (has_resume_ && completed_epochs_ > 0) restore_optimizer(pending_resume_, optimizer, options_.checkpoint_path);

  BatchLoader loader(train_, options_.batch_size, /*shuffle=*/true, options_.augment, options_.seed, /*drop_last=*/true);
  int64_t batches = loader.batches_per_epoch();
  if (options_.max_batches_per_epoch > 0) batches = std::min(batches, options_.max_batches_per_epoch);
  require(batches >= 1, "training: the training set (" + std::to_string(train_.size()) +
                            " images) is smaller than one batch of " + std::to_string(options_.batch_size));
  const int64_t total_steps = batches * options_.epochs;
  const auto warmup_steps = static_cast<int64_t>(options_.warmup_epochs * static_cast<double>(batches));

  Tensor images, grad;
  std::vector<int32_t> labels;
  ShardedStep sharded(model_, options_.shards, options_.over_ranks);
  // Rank 0 alone validates, checkpoints and prints; the others train the same model.
  const bool root = !options_.over_ranks || dist::is_root();
  Timer run_timer;
  int64_t epochs_this_run = 0;
  for (int64_t epoch = completed_epochs_; epoch < options_.epochs; ++epoch) {
    Timer timer;
    loader.start_epoch(epoch);
    double loss_sum = 0;
    int64_t correct = 0, seen = 0;
    for (int64_t b = 0; b < batches && loader.next(images, labels); ++b) {
      const int64_t step = epoch * batches + b;
      auto pass = [&](const Tensor& x, const std::vector<int32_t>& y, float scale) {
        const Tensor& logits = model_.forward(x, true);
        LossResult shard = softmax_cross_entropy(logits, y, &grad);
        if (!std::isfinite(shard.loss))
          throw Error("training diverged at epoch " + std::to_string(epoch + 1) + " (loss is not finite): lower --lr");
        if (teacher_)
          mix_distillation_gradient(logits, teacher_cache_ ? teacher_cache_->logits(x) : teacher_->infer(x),
                                    distill_weight_, distill_temperature_, grad);
        if (scale != 1.f)
          for (int64_t i = 0; i < grad.size(); ++i) grad[i] *= scale;
        model_.backward(grad);
        return shard;
      };
      const ShardedLoss l = sharded.run(images, labels, pass);
      optimizer.step(cosine_lr(options_.lr, step, total_steps, warmup_steps, options_.min_lr));
      loss_sum += l.loss_sum;
      correct += l.correct;
      seen += static_cast<int64_t>(labels.size());
    }
    EpochStats s;
    s.epoch = epoch + 1;
    s.train_loss = loss_sum / static_cast<double>(seen);
    s.train_accuracy = static_cast<double>(correct) / static_cast<double>(seen);
    const double train_seconds = timer.seconds();
    s.images_per_second = static_cast<double>(seen) / train_seconds;
    if (validation_ && root) {
      EvalResult v = evaluate(model_, *validation_);
      s.val_loss = v.loss;
      s.val_accuracy = v.accuracy;
    }
    s.seconds = timer.seconds();
    history_.push_back(s);
    completed_epochs_ = epoch + 1;
    ++epochs_this_run;

    if (!options_.checkpoint_path.empty() && root) {
      Checkpoint ckpt;
      capture_model(model_, ckpt);
      capture_optimizer(optimizer, ckpt);
      ckpt.meta = extra_meta;
      ckpt.meta["kind"] = options_.checkpoint_kind;
      ckpt.meta["epoch"] = std::to_string(completed_epochs_);
      ckpt.meta["epochs"] = std::to_string(options_.epochs);
      ckpt.meta["seed"] = std::to_string(options_.seed);
      record_training_recipe(options_, ckpt.meta);  // so that a competitor can be trained the same way
      ckpt.meta["history"] = encode_history(history_);
      ckpt.meta["optimizer.steps"] = std::to_string(optimizer.steps());
      save_checkpoint(options_.checkpoint_path, ckpt);
    }
    if (!options_.quiet && root) {
      const double per_epoch = run_timer.seconds() / static_cast<double>(epochs_this_run);
      std::printf("%s\n", format_epoch(s, options_.epochs, per_epoch * static_cast<double>(options_.epochs - s.epoch)).c_str());
      std::fflush(stdout);
    }
    if (on_epoch) on_epoch(s);
  }
  return history_;
}

std::string format_epoch(const EpochStats& s, int64_t total_epochs, double eta_seconds) {
  char buf[256];
  char val[48] = "";
  if (s.val_accuracy >= 0) std::snprintf(val, sizeof val, "  val %.2f%%", 100 * s.val_accuracy);
  std::snprintf(buf, sizeof buf, "epoch %lld/%lld  loss %.4f  train %.2f%%%s  %.0f img/s  %s  ETA %s",
                static_cast<long long>(s.epoch), static_cast<long long>(total_epochs), s.train_loss,
                100 * s.train_accuracy, val, s.images_per_second, format_duration(s.seconds).c_str(),
                format_duration(eta_seconds).c_str());
  return buf;
}

}  // namespace mpq
