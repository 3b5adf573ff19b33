#include "libmpq/train/finetune_recipe.hpp"

#include <cstdio>

#include "libmpq/core/error.hpp"

namespace mpq {

std::string FinetuneRecipe::name() const {
  std::string s = quantizer_kind_name(quantizer);
  if (distill > 0.f) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "+distill%g", static_cast<double>(distill));
    s += buf;
    if (distill_temperature != 2.f) {
      std::snprintf(buf, sizeof buf, "T%g", static_cast<double>(distill_temperature));
      s += buf;
    }
  }
  if (correction == StatisticsCorrection::mean) s += "+mean";
  if (correction == StatisticsCorrection::mean_std) s += "+std";
  if (fine_bias) s += "+fine-bias";
  if (weight_step_init != WeightStepInit::lsq) s += std::string("+wstep-") + weight_step_init_name(weight_step_init);
  if (activation_init != ActivationInit::mse) s += std::string("+a2-") + activation_init_name(activation_init);
  return s;
}

bool operator==(const FinetuneRecipe& a, const FinetuneRecipe& b) {
  return a.quantizer == b.quantizer && a.correction == b.correction && a.fine_bias == b.fine_bias &&
         a.distill == b.distill && a.distill_temperature == b.distill_temperature &&
         a.weight_step_init == b.weight_step_init && a.activation_init == b.activation_init;
}

const char* quantizer_choice_name(QuantizerChoice choice) {
  switch (choice) {
    case QuantizerChoice::pact: return "pact";
    case QuantizerChoice::lsq: return "lsq";
    case QuantizerChoice::lsq_pact: return "lsq-pact";
    default: return "auto";
  }
}

QuantizerChoice parse_quantizer_choice(const std::string& name) {
  if (name == "auto") return QuantizerChoice::automatic;
  if (name == "pact") return QuantizerChoice::pact;
  if (name == "lsq") return QuantizerChoice::lsq;
  if (name == "lsq-pact") return QuantizerChoice::lsq_pact;
  throw Error("quantizer: '" + name + "' is not one of auto, pact, lsq, lsq-pact");
}

bool has_two_bit_tensor(const Policy& policy) {
  for (const LayerBits& layer : policy.layers)
    if (layer.w_bits == 2 || layer.a_bits == 2) return true;
  return false;
}

FinetuneRecipe automatic_recipe(const Policy& policy, bool kmeans_weights) {
  FinetuneRecipe r;
  if (kmeans_weights || !has_two_bit_tensor(policy)) return r;
  r.quantizer = QuantizerKind::lsq;
  r.distill = 0.5f;
  r.correction = StatisticsCorrection::mean;
  r.fine_bias = true;
  return r;
}

FinetuneRecipe recipe_for(QuantizerChoice choice, const Policy& policy, bool kmeans_weights) {
  if (choice == QuantizerChoice::automatic) return automatic_recipe(policy, kmeans_weights);
  FinetuneRecipe r;
  r.quantizer = choice == QuantizerChoice::lsq        ? QuantizerKind::lsq
                : choice == QuantizerChoice::lsq_pact ? QuantizerKind::lsq_pact
                                                      : QuantizerKind::pact;
  return r;
}

void record_recipe(QuantizerChoice choice, const FinetuneRecipe& recipe, std::map<std::string, std::string>& meta) {
  meta["quantizer"] = quantizer_kind_name(recipe.quantizer);
  meta["quantizer_choice"] = quantizer_choice_name(choice);
  meta["recipe"] = recipe.name();
  meta["fine_bias"] = recipe.fine_bias ? "1" : "0";
  if (recipe.distill > 0.f)
    meta["distill"] = std::to_string(recipe.distill) + " T " + std::to_string(recipe.distill_temperature);
  else
    meta.erase("distill");
}

}  // namespace mpq
