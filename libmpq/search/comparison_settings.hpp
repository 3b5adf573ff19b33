#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "libmpq/data/dataset.hpp"
#include "libmpq/data/split.hpp"
#include "libmpq/nn/checkpoint.hpp"
#include "libmpq/search/budget.hpp"
#include "libmpq/search/policy_evaluator.hpp"
#include "libmpq/search/policy_search.hpp"

namespace mpq {

// How the compared policies are chosen and fine-tuned (compare_policies).
struct ComparisonSettings {
  int64_t rerank = 10;           // re-score the best N agent policies with a longer fine-tune (<= 1: off)
  int64_t rerank_batches = 128;  // fine-tune batches of the re-scoring (on the whole validation split)
  int64_t final_epochs = 1;      // final fine-tune epochs of every compared policy (0: calibrated only)
  int64_t final_seeds = 3;       // final fine-tunes per compared policy, seeds 1..final_seeds
  bool shrunk = true;            // compare a shrunk 8-bit model (trains a new float model)
  int64_t shrunk_epochs = 0;     // its float training epochs (0: the float model's, with its recipe)
  std::string shrunk_dir;        // its float checkpoints, by model ("": <out_dir>/shrunk/float.mpqc);
                                 // a sweep shares one across budgets
  bool kmeans = true;            // weight-only budgets: compare k-means policies (kmeans_policies)
  std::string out_dir;           // final/<stem>[.seed<k>].mpqc and shrunk/float.mpqc go here
};

// What the comparison works on: the float model, its data and the finished search.
struct ComparisonInputs {
  const Checkpoint& float_ckpt;
  std::string float_path;
  const QuantGraph& graph;  // of the float model
  const MemoryBudget& budget;
  const Dataset& train;
  const Dataset& val;
  const Dataset& test;
  PolicyEvaluator& evaluator;  // the search's: every compared policy is scored like a candidate
  const PolicySearch& search;
  // One split of the same data for another model: the shrunk one may take smaller images.
  std::function<std::unique_ptr<Dataset>(Split, const ModelSpec&)> open_data;
};

// The stages of the comparison, in the order they happen.
enum class ComparisonStage {
  rescoring,           // one of the best agent policies was scored again (index of count)
  searched_chosen,     // the search's answer is `policy`
  final_finetune,      // a compared policy `name` starts its final fine-tune of seed `index` of `count`
  shrunk_not_fitting,  // no shrunk 8-bit model fits: `name` is the note the report carries
  shrunk_training,     // the shrunk model starts its float training: `name` is its ModelSpec and recipe
  shrunk_finetune,     // the shrunk model starts its final fine-tune of seed `index` of `count`
};

struct ComparisonProgress {
  ComparisonStage stage = ComparisonStage::rescoring;
  int64_t index = 0, count = 0;  // 1-based
  std::string name;
  double short_accuracy = -1, long_accuracy = -1;  // rescoring: the search's score and the longer one
  const Policy* policy = nullptr;                  // searched_chosen
};

using ComparisonProgressFn = std::function<void(const ComparisonProgress&)>;

}  // namespace mpq
