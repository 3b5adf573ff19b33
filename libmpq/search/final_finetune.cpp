#include "libmpq/search/final_finetune.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>

#include "libmpq/core/atomic_file.hpp"
#include "libmpq/mcu/kmeans_flash.hpp"
#include "libmpq/mcu/patch_plan.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/quant/op_records.hpp"
#include "libmpq/search/budget.hpp"
#include "libmpq/train/finetune.hpp"

namespace mpq {

namespace {

constexpr const char* kValMeta = "final_val_accuracy";
constexpr const char* kTestMeta = "final_test_accuracy";
constexpr const char* kTestImagesMeta = "final_test_images";
constexpr const char* kPatchMeta = "patch_stage";
constexpr const char* kPatchInputMeta = "patch_input";  // whole or stream, mpq export's default --patch-input
constexpr const char* kInplaceMeta = "inplace";          // none, depthwise or all, mpq export's default --inplace

// A double as text that std::stod reads back to the same value.
std::string exact(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

bool finished_with_accuracies(const Checkpoint& done, const std::string& path, const Policy& policy, int64_t epochs,
                              int64_t test_images, bool kmeans_weights, const FinetuneRecipe& recipe) {
  if (done.meta_count("epoch", kMaxEpochs, path) != epochs || !done.meta.count(kValMeta) ||
      !done.meta.count(kTestMeta) || done.meta_or(kTestImagesMeta, "") != std::to_string(test_images))
    return false;
  if (!(policy_of(done, path) == policy) || has_kmeans_weights(done) != kmeans_weights ||
      recorded_recipe_name(done) != recipe.name())
    return false;
  try {
    const double val = std::stod(done.meta.at(kValMeta)), test = std::stod(done.meta.at(kTestMeta));
    return val >= 0 && val <= 1 && test >= 0 && test <= 1;
  } catch (const std::exception&) {
    return false;  // unreadable: evaluated again and written anew
  }
}

// The policy's memory is the same for every seed. `patch` and `ram_budget`: the check's,
// for the separate-buffer RAM beside an in-place one.
void fill_memory(FinalResult& row, const Checkpoint& float_ckpt, const QuantGraph& graph, const Policy& policy,
                 const MemoryReport& memory, bool kmeans_weights, const PatchSetting& patch, uint64_t ram_budget) {
  row.bits = policy.key();
  row.model = float_ckpt.spec.to_string();
  row.flash = kmeans_weights ? kmeans_flash_bytes(memory) : memory.flash_bytes;
  row.code_flash = memory.code_flash_bytes;
  row.model_flash = row.flash - row.code_flash;
  row.ram = memory.ram_bytes;
  const std::vector<rt::OpRecord> records = op_records(graph, op_bits(graph, policy));
  row.unpatched_ram = memory.patch.present() ? memory_report(records, {}, patch.inplace).ram_bytes : memory.ram_bytes;
  row.inplace = patch.inplace;
  PatchSetting separate = patch;
  separate.inplace = InplaceKinds::none;
  row.separate_ram = patch.inplace != InplaceKinds::none ? policy_memory(graph, policy, separate, ram_budget).ram_bytes : memory.ram_bytes;
  row.patch = patch_request_text(memory.patch);
  row.patch_op = memory.patch.present() ? graph.ops[memory.patch.end_op() - 1u].name : "";
  row.patch_stream = memory.patch.stream_input;
  row.macs = memory.macs;
  row.patched_macs = memory.patched_macs;
}

}  // namespace

WorkUnits final_finetune(const Checkpoint& float_ckpt, const std::string& float_path, const QuantGraph& graph,
                    const Policy& policy, const Dataset& train, const Dataset& val, const Dataset& test,
                    int64_t epochs, uint64_t seed, const std::string& path, FinalResult& row, bool kmeans_weights,
                    const PatchSetting& patch, uint64_t ram_budget, QuantizerChoice quantizer,
                    const CodeTarget& code) {
  make_parent_directories(path);
  MemoryReport memory = policy_memory(graph, policy, patch, ram_budget);
  count_code(memory, op_records(graph, op_bits(graph, policy)), code);  // as the budget's check counted it
  fill_memory(row, float_ckpt, graph, policy, memory, kmeans_weights, patch, ram_budget);
  const FinetuneRecipe recipe = recipe_for(quantizer, policy, kmeans_weights);
  WorkUnits work;
  std::optional<Checkpoint> done;
  if (epochs > 0 && file_exists(path)) done = load_checkpoint(path);
  if (done && finished_with_accuracies(*done, path, policy, epochs, test.size(), kmeans_weights, recipe)) {
    // A finished fine-tune of this policy whose accuracies were recorded: nothing to redo
    // but the stage it records, which a search with another --patch, --patch-input or --inplace may change.
    row.val_runs.push_back(std::stod(done->meta.at(kValMeta)));
    row.test_runs.push_back(std::stod(done->meta.at(kTestMeta)));
    if (done->meta_or(kPatchMeta, "none") != row.patch ||
        done->meta_or(kPatchInputMeta, "whole") != row.patch_input() ||
        done->meta_or(kInplaceMeta, "none") != inplace_option_word(row.inplace)) {
      done->meta[kPatchMeta] = row.patch;
      done->meta[kPatchInputMeta] = row.patch_input();
      done->meta[kInplaceMeta] = inplace_option_word(row.inplace);
      save_checkpoint(path, *done);
    }
    return work;
  }
  Model model = prepare_fake_quant_model(float_ckpt, float_path, policy, train, recipe, 512, false, kmeans_weights);
  TrainOptions o = default_finetune_options();
  o.epochs = std::max<int64_t>(1, epochs);
  o.seed = seed;
  o.checkpoint_path = path;
  o.quiet = true;
  Trainer trainer(model, train, &val, o);
  Model teacher;
  distill_from_float(trainer, teacher, recipe, float_ckpt, float_path);
  trainer.extra_meta["policy"] = policy_to_json(policy);
  trainer.extra_meta["source"] = float_path;
  trainer.extra_meta["per_tensor_weights"] = "0";
  trainer.extra_meta["weight_quantizer"] = kmeans_weights ? "kmeans" : "uniform";
  record_recipe(quantizer, recipe, trainer.extra_meta);
  trainer.extra_meta[kPatchMeta] = row.patch;
  trainer.extra_meta[kPatchInputMeta] = row.patch_input();
  trainer.extra_meta[kInplaceMeta] = inplace_option_word(row.inplace);
  add_input_normalization(train, trainer.extra_meta);
  if (epochs > 0) {
    // Resume a killed final fine-tune, but not from the calibrated-only checkpoint that
    // an --final-epochs 0 run leaves (it has no optimizer state).
    // Only a fine-tune of this very policy and recipe is resumed; another one (a re-run
    // whose search chose differently) starts over.
    if (done && done->meta_or("epoch", "0") != "0" && policy_of(*done, path) == policy &&
        has_kmeans_weights(*done) == kmeans_weights && recorded_recipe_name(*done) == recipe.name())
      trainer.resume(*done, path);
    const int64_t before = trainer.completed_epochs();
    trainer.run();
    const int64_t ran = trainer.completed_epochs() - before;
    work.train_batches += ran * (train.size() / o.batch_size);  // the trainer drops a last partial batch
    work.val_images += ran * val.size();
    row.val_runs.push_back(trainer.history().back().val_accuracy);
  } else {
    // Calibrated, not fine-tuned: still written, so that `mpq export` can take it.
    Checkpoint ckpt;
    capture_model(model, ckpt);
    ckpt.meta = trainer.extra_meta;
    ckpt.meta["kind"] = o.checkpoint_kind;
    ckpt.meta["epoch"] = "0";
    ckpt.meta["epochs"] = "0";
    save_checkpoint(path, ckpt);
    row.val_runs.push_back(evaluate(model, val).accuracy);
    work.val_images += val.size();
  }
  row.test_runs.push_back(evaluate(model, test).accuracy);
  work.val_images += test.size();
  if (epochs > 0) {
    // Recorded in the finished checkpoint, so that a rerun (a finished demo run again)
    // neither calibrates nor evaluates it again.
    Checkpoint finished = load_checkpoint(path);
    finished.meta[kValMeta] = exact(row.val_runs.back());
    finished.meta[kTestMeta] = exact(row.test_runs.back());
    finished.meta[kTestImagesMeta] = std::to_string(test.size());
    save_checkpoint(path, finished);
  }
  return work;
}

std::string final_checkpoint_path(const std::string& out_dir, const std::string& stem, int64_t seed) {
  return out_dir + "/final/" + stem + (seed == 1 ? "" : ".seed" + std::to_string(seed)) + ".mpqc";
}

}  // namespace mpq
