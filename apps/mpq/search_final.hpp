#pragma once

#include <string>

#include "libmpq/data/dataset.hpp"
#include "libmpq/nn/checkpoint.hpp"
#include "libmpq/search/search_report.hpp"
#include "libmpq/train/trainer.hpp"

namespace mpq::cli {

// The final fine-tune every compared policy gets: `epochs` epochs from the float
// checkpoint with data order and augmentation from `seed` (resumable: checkpoints to
// `path` and reuses it when complete), then its validation and test accuracy. Appends
// them to row.val_runs / row.test_runs and, on the first run, fills flash, ram, bits and
// model of `row` from `graph` (the float model's quantization graph).
void final_finetune(const Checkpoint& float_ckpt, const std::string& float_path, const QuantGraph& graph,
                    const Policy& policy, const Dataset& train, const Dataset& val, const Dataset& test,
                    int64_t epochs, uint64_t seed, const std::string& path, FinalResult& row);

// Float training of a (shrunk) model with the default schedule, resumable at `path`.
Checkpoint train_float(const ModelSpec& spec, const Dataset& train, const Dataset& val, TrainOptions options,
                       const std::string& path);

}  // namespace mpq::cli
