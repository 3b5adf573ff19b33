#pragma once

#include <map>
#include <string>

#include "libmpq/data/dataset.hpp"
#include "libmpq/nn/checkpoint.hpp"
#include "libmpq/quant/correct_channel_statistics.hpp"
#include "libmpq/quant/fake_quant_model.hpp"
#include "libmpq/quant/policy.hpp"
#include "libmpq/train/finetune_recipe.hpp"
#include "libmpq/train/trainer.hpp"

namespace mpq {

// Quantization-aware fine-tuning of a policy, starting from a float checkpoint: fold BN,
// build the fake-quant model, calibrate its activation grids on a few training batches,
// then train it (Trainer) with kind "finetune" checkpoints that carry the policy.

// Defaults for a fine-tune: short, low learning rate, no warm-up.
TrainOptions default_finetune_options();
// The default peak learning rate of a policy's fine-tune: 0.001 when every tensor has 4 or 8
// bits, 0.01 when any has 2. Calibrated at 4 and 8 bits, a model starts close to the float
// one (w8a8 91.3%, float 91.4% validation) and 0.01 first lost accuracy it never regained in
// 150 batches (w8a8 90.1% test at 0.001, 84.8% at 0.01; w4a4 88.2% / 87.3%); a 2-bit tensor
// starts at chance and has to be learned again (LSQ w2a4 77.0% at 0.01, 43.0% at 0.001).
float default_finetune_lr(const Policy& policy);

// The range of normalized inputs: what raw pixels 0..255 become, over all channels.
void input_range(const Dataset& data, float& lo, float& hi);

// The calibrated fake-quant model of `policy` for the float model in `float_ckpt`.
// calibration_images: how many training images (evaluation transform) set the grids,
// 1..kMaxCalibrationImages (they are held in memory).
// quantizer, fine_bias: see FakeQuantOptions; a fine-tune records them as checkpoint meta
// "quantizer" and "fine_bias" ("1"; absent means the default coarse grid).
// correction: BN re-estimation of every weighted op on the calibration images
// (correct_channel_statistics), followed by a second calibration of the grids.
// kmeans_weights: per-layer k-means weights (FakeQuantOptions), recorded as checkpoint meta
// "weight_quantizer" "kmeans" (absent or "uniform": the uniform grid).
// start_from: a fine-tuned checkpoint of the same model (any policy) whose master weights
// and biases replace the folded float ones before the steps are initialized and the grids
// calibrated: a progressive schedule (8 -> 4 -> 2 bits) fine-tunes each width from the last.
constexpr int64_t kMaxCalibrationImages = 8192;
Model prepare_fake_quant_model(const Checkpoint& float_ckpt, const std::string& what, const Policy& policy,
                               const Dataset& train, int64_t calibration_images = 512, bool per_tensor_weights = false,
                               QuantizerKind quantizer = QuantizerKind::pact,
                               StatisticsCorrection correction = StatisticsCorrection::none, bool fine_bias = false,
                               bool kmeans_weights = false, const Checkpoint* start_from = nullptr,
                               const std::string& start_what = "");

// The same with the quantizer, corrections and fine bias grid of a recipe (its distillation
// is the trainer's: distill_from_float).
Model prepare_fake_quant_model(const Checkpoint& float_ckpt, const std::string& what, const Policy& policy,
                               const Dataset& train, const FinetuneRecipe& recipe, int64_t calibration_images = 512,
                               bool per_tensor_weights = false, bool kmeans_weights = false,
                               const Checkpoint* start_from = nullptr, const std::string& start_what = "");

// When the recipe distills: builds the float model of `float_ckpt` into `teacher` (which
// must outlive the trainer's run) and makes it the trainer's teacher.
void distill_from_float(Trainer& trainer, Model& teacher, const FinetuneRecipe& recipe, const Checkpoint& float_ckpt,
                        const std::string& what);

// The recipe a fine-tuned checkpoint records (meta "recipe"); for checkpoints written before
// recipes were recorded, the name of its quantizer and bias grid alone.
std::string recorded_recipe_name(const Checkpoint& ckpt);

// Whether a fine-tuned checkpoint's weights are k-means codebooks (meta "weight_quantizer").
bool has_kmeans_weights(const Checkpoint& ckpt);
// Throws Error naming `what` when the checkpoint cannot become an integer blob (k-means
// weights: the kernels know uniform grids only).
void require_integer_deployable(const Checkpoint& ckpt, const std::string& what);

// What the fake-quant models of many policies of one float model share: the BN-folded
// float model, its quantization graph, the calibration batches and the quantizer options.
// A search builds it once instead of once per candidate (prepare_fake_quant_model).
struct FakeQuantBase {
  Model folded;
  QuantGraph graph;
  std::vector<Tensor> calibration;
  FakeQuantOptions options;
  StatisticsCorrection correction = StatisticsCorrection::none;
  // The folded model's channel moments on the calibration batches that the statistics
  // correction matches (float_channel_moments): the same for every policy, measured at
  // the first correction. Valid while `folded` and `calibration` stay as built.
  std::map<std::string, ChannelMoments> float_moments;
};
FakeQuantBase prepare_fake_quant_base(const Checkpoint& float_ckpt, const std::string& what, const Dataset& train,
                                      int64_t calibration_images = 512, bool per_tensor_weights = false,
                                      QuantizerKind quantizer = QuantizerKind::pact,
                                      StatisticsCorrection correction = StatisticsCorrection::none,
                                      bool fine_bias = false);
// Sets the base's quantizer, fine bias grid and correction to the recipe's, for the next
// prepare_fake_quant_model: a search's policies share one base but not one recipe.
void apply_recipe(FakeQuantBase& base, const FinetuneRecipe& recipe);
// The calibrated fake-quant model of `policy` from a shared base: the same model as
// prepare_fake_quant_model with the base's arguments.
// start_from: see the other overload.
Model prepare_fake_quant_model(FakeQuantBase& base, const Policy& policy, const Checkpoint* start_from = nullptr,
                               const std::string& start_what = "");

// Rebuilds the fake-quant model stored in a "finetune" checkpoint (policy from its
// metadata). Throws Error naming `what` when the checkpoint is not one.
Model load_fake_quant_model(const Checkpoint& ckpt, const std::string& what);
// The same with the quantization graph it was built from (for export and its checks).
FakeQuantModel load_fake_quant_model_and_graph(const Checkpoint& ckpt, const std::string& what);
Policy policy_of(const Checkpoint& ckpt, const std::string& what);

// Records how raw pixels become the input ("input_mean", "input_std": comma-separated
// per channel) in checkpoint metadata: the exporter's input look-up table needs it.
void add_input_normalization(const Dataset& data, std::map<std::string, std::string>& meta);

// Loads a float or fine-tuned checkpoint as a runnable model (eval uses it).
Model load_any_model(const Checkpoint& ckpt, const std::string& what);

}  // namespace mpq
