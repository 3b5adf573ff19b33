#include "libmpq/train/training_recipe.hpp"

#include <cmath>
#include <cstdio>

#include "libmpq/core/error.hpp"

namespace mpq {

namespace {

std::string exact(double v) {
  char b[40];
  std::snprintf(b, sizeof b, "%.17g", v);
  return b;
}

double number(const Checkpoint& ckpt, const std::string& key, double fallback, const std::string& what) {
  const auto it = ckpt.meta.find(key);
  if (it == ckpt.meta.end()) return fallback;
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(it->second, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  require(used == it->second.size() && std::isfinite(v) && v >= 0,
          what + ": meta " + key + " '" + it->second + "' is not a training setting (expected a number >= 0)");
  return v;
}

uint64_t seed_of(const Checkpoint& ckpt, const std::string& key, const std::string& what) {
  const std::string seed = ckpt.meta_or(key, "1");
  const std::string error = what + ": meta " + key + " '" + seed + "' is not a seed (expected a whole number)";
  require(!seed.empty() && seed.find_first_not_of("0123456789") == std::string::npos, error);
  try {
    return std::stoull(seed);
  } catch (const std::out_of_range&) {
    throw Error(error);
  }
}

}  // namespace

void record_training_recipe(const TrainOptions& o, std::map<std::string, std::string>& meta) {
  meta["train.epochs"] = std::to_string(o.epochs);
  meta["train.batch"] = std::to_string(o.batch_size);
  meta["train.lr"] = exact(o.lr);
  meta["train.min_lr"] = exact(o.min_lr);
  meta["train.momentum"] = exact(o.momentum);
  meta["train.weight_decay"] = exact(o.weight_decay);
  meta["train.warmup_epochs"] = exact(o.warmup_epochs);
  meta["train.augment"] = o.augment ? "1" : "0";
  meta["train.max_batches"] = std::to_string(o.max_batches_per_epoch);
  meta["train.seed"] = std::to_string(o.seed);
  meta["train.shards"] = std::to_string(o.shards);
}

TrainOptions training_recipe(const Checkpoint& ckpt, const std::string& what, bool* recorded) {
  TrainOptions o;
  const bool has = ckpt.meta.count("train.epochs") > 0;
  if (recorded) *recorded = has;
  if (!has) {
    if (ckpt.meta.count("epochs")) o.epochs = ckpt.meta_count("epochs", kMaxEpochs, what);
    if (o.epochs < 1) o.epochs = TrainOptions{}.epochs;
    if (ckpt.meta.count("seed")) o.seed = seed_of(ckpt, "seed", what);
    return o;
  }
  o.epochs = ckpt.meta_count("train.epochs", kMaxEpochs, what);
  o.batch_size = ckpt.meta_count("train.batch", kMaxBatchSize, what);
  o.lr = static_cast<float>(number(ckpt, "train.lr", o.lr, what));
  o.min_lr = static_cast<float>(number(ckpt, "train.min_lr", o.min_lr, what));
  o.momentum = static_cast<float>(number(ckpt, "train.momentum", o.momentum, what));
  o.weight_decay = static_cast<float>(number(ckpt, "train.weight_decay", o.weight_decay, what));
  o.warmup_epochs = number(ckpt, "train.warmup_epochs", o.warmup_epochs, what);
  o.augment = ckpt.meta_or("train.augment", "1") != "0";
  o.max_batches_per_epoch = ckpt.meta_count("train.max_batches", INT64_MAX, what);
  o.seed = seed_of(ckpt, "train.seed", what);
  o.shards = ckpt.meta.count("train.shards") ? ckpt.meta_count("train.shards", kMaxBatchSize, what) : 1;
  require(o.epochs >= 1 && o.batch_size >= 1, what + ": meta train.epochs and train.batch must be at least 1");
  require(o.shards >= 1 && o.shards <= o.batch_size, what + ": meta train.shards must be 1..train.batch");
  return o;
}

std::string describe_training_recipe(const TrainOptions& o) {
  char b[256];
  std::snprintf(b, sizeof b, "%lld epoch%s%s, batch %lld, lr %g (cosine, warm-up %g epoch%s), weight decay %g, %s, seed %llu",
                static_cast<long long>(o.epochs), o.epochs == 1 ? "" : "s",
                o.max_batches_per_epoch > 0
                    ? (" of " + std::to_string(o.max_batches_per_epoch) + " batches").c_str()
                    : "",
                static_cast<long long>(o.batch_size), static_cast<double>(o.lr), o.warmup_epochs,
                o.warmup_epochs == 1 ? "" : "s", static_cast<double>(o.weight_decay),
                o.augment ? "augmented" : "not augmented", static_cast<unsigned long long>(o.seed));
  // Only a sharded recipe says so: one shard is how every recipe trained before shards.
  return o.shards == 1 ? std::string(b) : std::string(b) + ", " + std::to_string(o.shards) + " shards";
}

}  // namespace mpq
