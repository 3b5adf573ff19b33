#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "libmpq/core/rng.hpp"
#include "libmpq/data/dataset.hpp"
#include "libmpq/tensor/tensor.hpp"

namespace mpq {

// Iterates a dataset in batches of [B, H, W, C] images and their labels, one epoch at a
// time. A background thread prepares the next batch while the caller works on the
// current one (the samples of a batch are loaded with parallel_for). The batches are a
// function of (seed, epoch) only: the epoch's order comes from epoch_order() and each
// sample's augmentation from sample_rng(), never from thread timing or batch position.
// One thread drives a loader; the dataset must outlive it.
class BatchLoader {
 public:
  // Requires batch_size > 0. With drop_last the final partial batch of an epoch is
  // skipped; otherwise it is returned with fewer rows.
  BatchLoader(const Dataset& dataset, int64_t batch_size, bool shuffle, bool augment, uint64_t seed, bool drop_last);
  // Abandons any epoch in progress and joins the worker.
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  // Begins `epoch` (any value >= 0; epochs need not be consecutive), abandoning the
  // current one wherever it is, and starts preparing its first batch.
  void start_epoch(int64_t epoch);

  // Fills images ([b, H, W, C], b = batch size or less for the last batch) and labels (b
  // entries) with the next batch and returns true, or returns false at the end of the
  // epoch. Reuses the storage of `images`. If loading a sample threw, rethrows that
  // Error and ends the epoch (next() returns false until start_epoch()). Throws Error if
  // no epoch was started.
  bool next(Tensor& images, std::vector<int32_t>& labels);

  int64_t batches_per_epoch() const;
  int64_t batch_size() const;
  const Dataset& dataset() const;

  // The dataset indices of an epoch in visiting order: 0..size-1 without shuffle,
  // otherwise a permutation seeded by (seed, epoch).
  static std::vector<int64_t> epoch_order(int64_t size, bool shuffle, uint64_t seed, int64_t epoch);
  // The generator handed to Dataset::load for sample `index` in `epoch`.
  static Rng sample_rng(uint64_t seed, int64_t epoch, int64_t index);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace mpq
