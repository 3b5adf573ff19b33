#include "libmpq/search/final_finetune.hpp"

#include <algorithm>
#include <cstdio>

#include "libmpq/core/atomic_file.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/search/budget.hpp"
#include "libmpq/train/finetune.hpp"

namespace mpq {

WorkUnits final_finetune(const Checkpoint& float_ckpt, const std::string& float_path, const QuantGraph& graph,
                    const Policy& policy, const Dataset& train, const Dataset& val, const Dataset& test,
                    int64_t epochs, uint64_t seed, const std::string& path, FinalResult& row) {
  make_parent_directories(path);
  WorkUnits work;
  Model model = prepare_fake_quant_model(float_ckpt, float_path, policy, train);
  TrainOptions o = default_finetune_options();
  o.epochs = std::max<int64_t>(1, epochs);
  o.seed = seed;
  o.checkpoint_path = path;
  o.quiet = true;
  Trainer trainer(model, train, &val, o);
  trainer.extra_meta["policy"] = policy_to_json(policy);
  trainer.extra_meta["source"] = float_path;
  trainer.extra_meta["per_tensor_weights"] = "0";
  add_input_normalization(train, trainer.extra_meta);
  if (epochs > 0) {
    // Resume a killed final fine-tune, but not from the calibrated-only checkpoint that
    // an --final-epochs 0 run leaves (it has no optimizer state).
    // Only a fine-tune of this very policy is resumed; another one (a re-run whose search
    // chose differently) starts over.
    if (file_exists(path)) {
      Checkpoint done = load_checkpoint(path);
      if (done.meta_or("epoch", "0") != "0" && policy_of(done, path) == policy) trainer.resume(done, path);
    }
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
  if (row.test_runs.size() > 1) return work;  // the policy's memory is the same for every seed
  row.bits = policy.key();
  row.model = float_ckpt.spec.to_string();
  const MemoryReport memory = policy_memory(graph, policy);
  row.flash = memory.flash_bytes;
  row.ram = memory.ram_bytes;
  return work;
}

std::string final_checkpoint_path(const std::string& out_dir, const std::string& stem, int64_t seed) {
  return out_dir + "/final/" + stem + (seed == 1 ? "" : ".seed" + std::to_string(seed)) + ".mpqc";
}

}  // namespace mpq
