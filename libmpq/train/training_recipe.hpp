// The recipe a checkpoint was trained with, written into it by the Trainer (meta
// "train.*") and read back, so that another model can be trained the same way: the shrunk
// 8-bit baseline of the search competes with the float model and must not get less.
#pragma once

#include <map>
#include <string>

#include "libmpq/nn/checkpoint.hpp"
#include "libmpq/train/trainer.hpp"

namespace mpq {

// Records epochs, batch size, learning rates, momentum, weight decay, warm-up,
// augmentation, batches per epoch and seed of `options` in `meta`.
void record_training_recipe(const TrainOptions& options, std::map<std::string, std::string>& meta);

// The options `ckpt` was trained with (checkpoint_path, kind and quiet left at their
// defaults). A checkpoint without a recorded recipe (imported weights, or written before
// recipes were recorded) gives `mpq train`'s defaults, with its "epochs" and "seed" when it has them;
// *recorded says which. A recorded value that does not parse is an Error naming `what`.
TrainOptions training_recipe(const Checkpoint& ckpt, const std::string& what, bool* recorded = nullptr);

// "15 epochs, batch 128, lr 0.1 (cosine, warm-up 1 epoch), weight decay 0.0001, augmented"
std::string describe_training_recipe(const TrainOptions& options);

}  // namespace mpq
