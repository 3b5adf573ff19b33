#pragma once

#include <map>
#include <string>

#include "libmpq/quant/correct_channel_statistics.hpp"
#include "libmpq/quant/fake_quant_model.hpp"
#include "libmpq/quant/policy.hpp"

namespace mpq {

// How a policy's fake-quant model is fine-tuned: the quantizer and the extras around it.
// One choice for `mpq finetune`, the search's short fine-tunes and its final fine-tunes
// (docs/quantization.md, "Measured at the final fine-tune length": why these).
struct FinetuneRecipe {
  QuantizerKind quantizer = QuantizerKind::pact;
  StatisticsCorrection correction = StatisticsCorrection::none;  // BN re-estimation after calibration
  bool fine_bias = false;                                         // FakeQuantOptions::fine_bias
  float distill = 0.f;              // weight of distillation from the float model (0: none)
  float distill_temperature = 2.f;  // its softmax temperature
  // How learned weight steps start and 2-bit activation grids are calibrated
  // (FakeQuantOptions).
  WeightStepInit weight_step_init = WeightStepInit::lsq;
  ActivationInit activation_init = ActivationInit::mse;

  // A short stable text ("lsq+distill0.5+mean+fine-bias", "pact"), recorded as checkpoint
  // meta "recipe" so that a resume with another recipe is refused.
  std::string name() const;
};
bool operator==(const FinetuneRecipe& a, const FinetuneRecipe& b);

// What --quantizer asks for: one quantizer for every policy, or `automatic`: the recipe
// measured best for the policy's bits (automatic_recipe).
// lsq_pact: LSQ weight steps with PACT activations (QuantizerKind::lsq_pact).
enum class QuantizerChoice : int { automatic, pact, lsq, lsq_pact };
const char* quantizer_choice_name(QuantizerChoice choice);  // "auto", "pact", "lsq", "lsq-pact"
QuantizerChoice parse_quantizer_choice(const std::string& name);  // throws Error naming the choices

// Whether any weight or activation tensor of the policy has 2 bits.
bool has_two_bit_tensor(const Policy& policy);

// The recipe measured best for a policy's bits at the search's final fine-tune length:
// LSQ with distillation, bias correction and the fine bias grid when any tensor has 2 bits
// (PACT's searched ternary scales stay at chance), PACT with its defaults otherwise.
// k-means weights (a weight-only reference) keep PACT's activations and no extras: the
// fine bias grid and the corrections concern uniform weights.
FinetuneRecipe automatic_recipe(const Policy& policy, bool kmeans_weights = false);

// The recipe of `choice` for `policy`: automatic_recipe, or the plain quantizer asked for.
FinetuneRecipe recipe_for(QuantizerChoice choice, const Policy& policy, bool kmeans_weights = false);

// Records the recipe in checkpoint metadata ("quantizer": the kind eval and export rebuild,
// "quantizer_choice", "recipe", "fine_bias", and "distill" when it distills).
void record_recipe(QuantizerChoice choice, const FinetuneRecipe& recipe, std::map<std::string, std::string>& meta);

}  // namespace mpq
