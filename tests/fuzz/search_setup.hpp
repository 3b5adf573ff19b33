// The search whose state fuzz_search_resume reads and the seed generator writes: a state
// resumes only into a search with the same model, budget and options (its fingerprint).
// MobileNetV1 0.25 on 1x32x32 with 3 classes and a few cheap episodes, as tests/search.
#pragma once

#include <string>

#include "libmpq/nn/model_builders.hpp"
#include "libmpq/search/policy_search.hpp"
#include "train/synthetic_data.hpp"

namespace mpq::fuzz {

struct SearchSetup {
  ModelSpec spec = [] {
    ModelSpec s;
    s.classes = 3;
    return s;
  }();
  Model model = build_model(spec, 3);
  QuantGraph graph = build_quant_graph(model);
  SearchSpace space{graph};
  MemoryBudget budget{120 * 1024, 14 * 1024, "fuzz budget"};
  test::SyntheticData train{16, 1, 32, 3}, val{16, 2, 32, 3};
  Checkpoint ckpt;
  EvalOptions eval;
  SearchSetup() {
    capture_model(model, ckpt);
    ckpt.meta["kind"] = "float";
    eval.finetune_batches = 1;
    eval.batch_size = 8;
    eval.calibration_images = 8;
    eval.val_images = 16;
  }
  SearchOptions options(const std::string& state_path) const {
    SearchOptions o;
    o.episodes = 3;
    o.warmup = 2;
    o.random_search = 1;
    o.seed = 7;
    o.agent.actor_hidden = {8};
    o.agent.critic_hidden = {8};
    o.agent.batch_size = 4;
    o.agent.replay_capacity = 64;
    o.state_path = state_path;
    return o;
  }
};

}  // namespace mpq::fuzz
