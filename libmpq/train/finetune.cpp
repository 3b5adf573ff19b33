#include "libmpq/train/finetune.hpp"

#include <algorithm>
#include <cstdio>

#include "libmpq/core/error.hpp"
#include "libmpq/data/batch_loader.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/quant/fold_batch_norm.hpp"
#include "libmpq/quant/weight_quantizer.hpp"

namespace mpq {

TrainOptions default_finetune_options() {
  TrainOptions o;
  o.epochs = 3;
  o.lr = 0.01f;
  o.warmup_epochs = 0;
  o.weight_decay = 1e-5f;
  o.checkpoint_kind = "finetune";
  return o;
}

float default_finetune_lr(const Policy& policy) {
  for (const LayerBits& layer : policy.layers)
    if (layer.w_bits < 4 || layer.a_bits < 4) return 0.01f;
  return 0.001f;
}

void input_range(const Dataset& data, float& lo, float& hi) {
  const PixelNormalization n = data.normalization();
  lo = 0.f;
  hi = 0.f;
  for (size_t c = 0; c < n.mean.size(); ++c) {
    lo = std::min(lo, (0.f - n.mean[c]) / n.std[c]);
    hi = std::max(hi, (1.f - n.mean[c]) / n.std[c]);
  }
  if (n.mean.empty()) {  // no normalization: raw [0, 1]
    lo = 0.f;
    hi = 1.f;
  }
}

namespace {
// Copies the master weights and biases of every weighted op from a fine-tuned checkpoint;
// learned steps start again from them (the widths may differ), grids are calibrated after.
void take_master_weights(const Checkpoint& start, const std::string& what, const ModelSpec& spec, Model& fq) {
  require(start.meta_or("kind", "") == "finetune",
          what + ": is a '" + start.meta_or("kind", "") + "' checkpoint, expected a fine-tuned (quantized) one");
  require(start.spec.to_string() == spec.to_string(),
          what + ": holds model " + start.spec.to_string() + ", the float checkpoint " + spec.to_string());
  for (size_t i = 0; i < fq.size(); ++i) {
    auto* wq = dynamic_cast<WeightQuantized*>(fq.node(i).layer.get());
    if (!wq) continue;
    const std::string name = fq.node(i).name;
    for (Parameter* p : {&wq->master_weight(), &wq->master_bias()}) {
      if (p->value.size() == 0) continue;
      const Tensor* src = start.find(name + "." + p->name);
      require(src && src->shape() == p->value.shape(),
              what + ": has no tensor '" + name + "." + p->name + "' of shape " + shape_to_string(p->value.shape()));
      p->value = *src;
    }
    wq->restart_learned_step();
  }
}
}  // namespace

FakeQuantBase prepare_fake_quant_base(const Checkpoint& float_ckpt, const std::string& what, const Dataset& train,
                                      int64_t calibration_images, bool per_tensor_weights, QuantizerKind quantizer,
                                      StatisticsCorrection correction, bool fine_bias) {
  require(float_ckpt.meta_or("kind", "float") == "float",
          what + ": is a '" + float_ckpt.meta_or("kind", "") + "' checkpoint; fine-tuning starts from a float one");
  // Calibration keeps its images in memory: the cap bounds that, at least one sets the grids.
  require(calibration_images >= 1 && calibration_images <= kMaxCalibrationImages,
          "fine-tune: calibration images " + std::to_string(calibration_images) + ", expected 1.." +
              std::to_string(kMaxCalibrationImages));
  Model float_model = build_model(float_ckpt.spec, 1);
  restore_model(float_ckpt, float_model, what);
  FakeQuantBase base;
  base.folded = fold_batch_norm(float_model);
  base.graph = build_quant_graph(base.folded);
  base.options.per_tensor_weights = per_tensor_weights;
  base.options.quantizer = quantizer;
  base.options.fine_bias = fine_bias;
  base.correction = correction;
  input_range(train, base.options.input_lo, base.options.input_hi);

  BatchLoader loader(train, std::min<int64_t>(128, std::max<int64_t>(1, calibration_images)), /*shuffle=*/true,
                     /*augment=*/false, /*seed=*/12345, /*drop_last=*/false);
  loader.start_epoch(0);
  Tensor images;
  std::vector<int32_t> labels;
  int64_t seen = 0;
  while (seen < calibration_images && loader.next(images, labels)) {
    base.calibration.push_back(images);
    seen += images.dim(0);
  }
  return base;
}

Model prepare_fake_quant_model(FakeQuantBase& base, const Policy& policy, const Checkpoint* start_from,
                               const std::string& start_what) {
  require(policy.spec.to_string() == base.folded.spec().to_string(),
          "policy is for model " + policy.spec.to_string() + ", but the float model is " +
              base.folded.spec().to_string());
  Model fq = build_fake_quant_model(base.folded, base.graph, policy, base.options);
  if (start_from) take_master_weights(*start_from, start_what, base.folded.spec(), fq);
  calibrate_quantizers(fq, base.calibration);
  if (base.correction != StatisticsCorrection::none) {
    bool measured = !base.float_moments.empty();
    for (size_t i = 0; i < fq.size() && measured; ++i)
      measured = !dynamic_cast<WeightQuantized*>(fq.node(i).layer.get()) || base.float_moments.count(fq.node(i).name);
    if (!measured) base.float_moments = float_channel_moments(base.folded, fq, base.calibration);
    correct_channel_statistics(fq, base.float_moments, base.calibration,
                               base.correction == StatisticsCorrection::mean_std);
    calibrate_quantizers(fq, base.calibration);
  }
  return fq;
}

Model prepare_fake_quant_model(const Checkpoint& float_ckpt, const std::string& what, const Policy& policy,
                               const Dataset& train, int64_t calibration_images, bool per_tensor_weights,
                               QuantizerKind quantizer, StatisticsCorrection correction, bool fine_bias,
                               bool kmeans_weights, const Checkpoint* start_from, const std::string& start_what) {
  require(policy.spec.to_string() == float_ckpt.spec.to_string(),
          "policy is for model " + policy.spec.to_string() + ", but " + what + " holds " + float_ckpt.spec.to_string());
  FakeQuantBase base = prepare_fake_quant_base(float_ckpt, what, train, calibration_images, per_tensor_weights,
                                               quantizer, correction, fine_bias);
  base.options.kmeans_weights = kmeans_weights;
  return prepare_fake_quant_model(base, policy, start_from, start_what);
}

Model prepare_fake_quant_model(const Checkpoint& float_ckpt, const std::string& what, const Policy& policy,
                               const Dataset& train, const FinetuneRecipe& recipe, int64_t calibration_images,
                               bool per_tensor_weights, bool kmeans_weights, const Checkpoint* start_from,
                               const std::string& start_what) {
  require(policy.spec.to_string() == float_ckpt.spec.to_string(),
          "policy is for model " + policy.spec.to_string() + ", but " + what + " holds " + float_ckpt.spec.to_string());
  FakeQuantBase base = prepare_fake_quant_base(float_ckpt, what, train, calibration_images, per_tensor_weights);
  apply_recipe(base, recipe);
  base.options.kmeans_weights = kmeans_weights;
  return prepare_fake_quant_model(base, policy, start_from, start_what);
}

void apply_recipe(FakeQuantBase& base, const FinetuneRecipe& recipe) {
  base.options.quantizer = recipe.quantizer;
  base.options.fine_bias = recipe.fine_bias;
  base.correction = recipe.correction;
  base.options.weight_step_init = recipe.weight_step_init;
  base.options.activation_init = recipe.activation_init;
}

void distill_from_float(Trainer& trainer, Model& teacher, const FinetuneRecipe& recipe, const Checkpoint& float_ckpt,
                        const std::string& what) {
  if (recipe.distill <= 0.f) return;
  teacher = build_model(float_ckpt.spec, 1);
  restore_model(float_ckpt, teacher, what);
  trainer.set_teacher(teacher, recipe.distill, recipe.distill_temperature);
}

std::string recorded_recipe_name(const Checkpoint& ckpt) {
  if (ckpt.meta.count("recipe")) return ckpt.meta.at("recipe");
  FinetuneRecipe legacy;
  legacy.quantizer = parse_quantizer_kind(ckpt.meta_or("quantizer", "pact"));
  legacy.fine_bias = ckpt.meta_or("fine_bias", "0") == "1";
  return legacy.name();
}

Policy policy_of(const Checkpoint& ckpt, const std::string& what) {
  const std::string text = ckpt.meta_or("policy", "");
  require(!text.empty(), what + ": has no policy (not a fine-tuned checkpoint)");
  return policy_from_json(text, what + " (policy)");
}

FakeQuantModel load_fake_quant_model_and_graph(const Checkpoint& ckpt, const std::string& what) {
  require(ckpt.meta_or("kind", "") == "finetune",
          what + ": is a '" + ckpt.meta_or("kind", "") + "' checkpoint, expected a fine-tuned (quantized) one");
  FakeQuantOptions options;
  options.per_tensor_weights = ckpt.meta_or("per_tensor_weights", "0") == "1";
  options.quantizer = parse_quantizer_kind(ckpt.meta_or("quantizer", "pact"));
  options.fine_bias = ckpt.meta_or("fine_bias", "0") == "1";
  options.kmeans_weights = has_kmeans_weights(ckpt);
  FakeQuantModel fq = build_fake_quant_model_and_graph_for(ckpt.spec, policy_of(ckpt, what), options);
  restore_model(ckpt, fq.model, what);
  return fq;
}

bool has_kmeans_weights(const Checkpoint& ckpt) {
  const std::string w = ckpt.meta_or("weight_quantizer", "uniform");
  require(w == "uniform" || w == "kmeans", "checkpoint meta weight_quantizer: '" + w + "', expected uniform or kmeans");
  return w == "kmeans";
}

void require_integer_deployable(const Checkpoint& ckpt, const std::string& what) {
  if (has_kmeans_weights(ckpt))
    throw Error(what + ": has k-means weights (a float codebook per layer), which are not integer-deployable; "
                       "export and the integer path take uniformly quantized checkpoints");
}

Model load_fake_quant_model(const Checkpoint& ckpt, const std::string& what) {
  return std::move(load_fake_quant_model_and_graph(ckpt, what).model);
}

void add_input_normalization(const Dataset& data, std::map<std::string, std::string>& meta) {
  const PixelNormalization norm = data.normalization();
  auto join = [](const std::vector<float>& v) {
    std::string s;
    char buf[32];
    for (float x : v) {
      std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(x));
      s += (s.empty() ? "" : ",") + std::string(buf);
    }
    return s;
  };
  meta["input_mean"] = join(norm.mean);
  meta["input_std"] = join(norm.std);
}

Model load_any_model(const Checkpoint& ckpt, const std::string& what) {
  const std::string kind = ckpt.meta_or("kind", "float");
  if (kind == "finetune") return load_fake_quant_model(ckpt, what);
  Model m = build_model(ckpt.spec, 1);
  restore_model(ckpt, m, what);
  return m;
}

}  // namespace mpq
