// Shared by the search tests: a small float model, its search space, a budget it can meet
// and tiny synthetic data, with quick evaluation and search settings.
#pragma once

#include <cstdlib>
#include <string>

#include "libmpq/nn/model_builders.hpp"
#include "libmpq/search/policy_search.hpp"
#include "train/synthetic_data.hpp"

namespace mpq_search_test {

inline mpq::ModelSpec small_spec() {
  mpq::ModelSpec s;  // mobilenet_v1 0.25, 1x32x32
  s.classes = 3;
  return s;
}

struct Setup {
  mpq::ModelSpec spec = small_spec();
  mpq::Model model = mpq::build_model(spec, 3);
  mpq::QuantGraph graph = mpq::build_quant_graph(model);
  mpq::SearchSpace space{graph};
  mpq::MemoryBudget budget{120 * 1024, 14 * 1024, "test budget"};
  mpq::test::SyntheticData train{64, 1, 32, 3}, val{48, 2, 32, 3};
  mpq::Checkpoint ckpt;
  std::string dir;
  Setup() {
    mpq::capture_model(model, ckpt);
    ckpt.meta["kind"] = "float";
    char tmpl[] = "/tmp/mpq_search_XXXXXX";
    dir = mkdtemp(tmpl);
  }
  mpq::EvalOptions quick_eval() const {
    mpq::EvalOptions e;
    e.finetune_batches = 1;
    e.batch_size = 16;
    e.calibration_images = 16;
    e.val_images = 48;
    return e;
  }
  mpq::SearchOptions quick_search(const std::string& state) const {
    mpq::SearchOptions o;
    o.episodes = 5;
    o.warmup = 2;
    o.random_search = 2;
    o.seed = 7;
    o.agent.actor_hidden = {16, 16};
    o.agent.critic_hidden = {16, 16};
    o.agent.batch_size = 8;
    o.state_path = state;
    return o;
  }
};

}  // namespace mpq_search_test
