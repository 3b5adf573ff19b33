#pragma once

#include <cstdint>
#include <string>

#include "libmpq/data/dataset.hpp"
#include "libmpq/core/stage_times.hpp"
#include "libmpq/nn/checkpoint.hpp"
#include "libmpq/search/budget.hpp"
#include "libmpq/search/search_report.hpp"

namespace mpq {

// The final fine-tune every compared policy gets: `epochs` epochs from the float
// checkpoint with data order and augmentation from `seed` (resumable: checkpoints to
// `path` and reuses it when complete), then its validation and test accuracy. Appends
// them to row.val_runs / row.test_runs and, on the first run, fills flash, ram, bits and
// model of `row` from `graph` (the float model's quantization graph). With epochs 0 the
// policy is calibrated only, and that checkpoint is still written. A finished fine-tune
// records its validation and test accuracies in its checkpoint (meta final_val_accuracy,
// final_test_accuracy, final_test_images), and a later call for the same policy, epochs
// and test size takes them from there without building or evaluating the model. Returns the work this
// call did: training batches of the epochs it ran (none when a complete checkpoint was
// found) and images through evaluation. kmeans_weights: the weights are per-layer k-means
// codebooks (meta "weight_quantizer" "kmeans"; row.flash is then kmeans_flash_bytes).
// row.ram is the RAM with the patch stage the budget check takes for the policy (`patch`
// under the RAM budget `ram_budget`: none where the policy fits it layer by layer); the
// checkpoint records that stage (meta "patch_stage", mpq export's default --patch) and its input
// (meta "patch_input": stream or whole, mpq export's default --patch-input) and whether RAM
// has in-place depthwise pairs (meta "inplace": depthwise or none, patch.inplace, mpq
// export's default --inplace; row.separate_ram the RAM without them). quantizer: the
// recipe (recipe_for), recorded as checkpoint meta "recipe"; a finished or killed fine-tune
// of another recipe is done again. code: whose code row.flash counts beside the blob (the
// budget's, so that row.flash is what its FLASH check counted; none: the blob alone).
WorkUnits final_finetune(const Checkpoint& float_ckpt, const std::string& float_path, const QuantGraph& graph,
                    const Policy& policy, const Dataset& train, const Dataset& val, const Dataset& test,
                    int64_t epochs, uint64_t seed, const std::string& path, FinalResult& row,
                    bool kmeans_weights = false, const PatchSetting& patch = {}, uint64_t ram_budget = kNoRamBudget,
                    QuantizerChoice quantizer = QuantizerChoice::automatic, const CodeTarget& code = {});

// Where the final fine-tune of seed `seed` (1-based) of a compared policy goes: seed 1
// writes <out_dir>/final/<stem>.mpqc (what `mpq export` takes), seed k
// <out_dir>/final/<stem>.seed<k>.mpqc.
std::string final_checkpoint_path(const std::string& out_dir, const std::string& stem, int64_t seed);

}  // namespace mpq
