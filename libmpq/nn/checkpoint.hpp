#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "libmpq/nn/model.hpp"
#include "libmpq/nn/optimizer.hpp"

namespace mpq {

// A checkpoint file (.mpqc, docs/file-formats.md): the model spec, named float tensors
// (parameters, BN running statistics, optimizer state, ...) and string metadata
// (kind, epoch, training options). Written atomically with a CRC-32 over the payload,
// so a reader sees a complete file or reports exactly what is wrong with it.
struct Checkpoint {
  ModelSpec spec;
  std::vector<std::pair<std::string, Tensor>> tensors;
  std::map<std::string, std::string> meta;

  const Tensor* find(const std::string& name) const;
  std::string meta_or(const std::string& key, const std::string& fallback) const;
  // A count stored as metadata text ("epoch", "optimizer.steps"): 0 when absent; throws
  // Error naming `what` and the key unless it is a whole number in 0..max.
  int64_t meta_count(const std::string& key, int64_t max, const std::string& what) const;
};

// Far more steps than any run takes, far below where step arithmetic overflows.
constexpr int64_t kMaxOptimizerSteps = int64_t{1} << 40;

// The newest version written and read (2: with a stored graph); built-in models are still
// written as version 1, and both are read.
constexpr uint32_t kCheckpointVersion = 2;

std::string encode_checkpoint(const Checkpoint& ckpt);
Checkpoint decode_checkpoint(const std::string& bytes, const std::string& what);
void save_checkpoint(const std::string& path, const Checkpoint& ckpt);
Checkpoint load_checkpoint(const std::string& path);

// Copies the model's parameters ("<node>.<param>") and buffers, and the optimizer's
// state ("optimizer.<name>") when given.
void capture_model(Model& model, Checkpoint& ckpt);
void capture_optimizer(Optimizer& optimizer, Checkpoint& ckpt);
// Loads parameters and buffers into a model built from ckpt.spec. Every tensor the model
// has must be present with the same shape and hold finite numbers (variances >= 0);
// throws Error naming the first that does not.
void restore_model(const Checkpoint& ckpt, Model& model, const std::string& what);
void restore_optimizer(const Checkpoint& ckpt, Optimizer& optimizer, const std::string& what);

}  // namespace mpq
