// Shared by the search tests: a small float model, its search space, a budget it can meet
// and tiny synthetic data, with quick evaluation and search settings.
#pragma once

#include <boost/test/unit_test.hpp>

#include <string>

#include "libmpq/nn/model_builders.hpp"
#include "libmpq/search/policy_search.hpp"
#include "temp_dir.hpp"
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
  mpq::test::TempDir tmp{"search"};  // removed after each test case
  std::string dir = tmp.path();
  int64_t actors = 1;  // quick_search's actors per agent round
  Setup() {
    mpq::capture_model(model, ckpt);
    ckpt.meta["kind"] = "float";
  }
  mpq::EvalOptions quick_eval() const {
    mpq::EvalOptions e;
    e.finetune_batches = 1;
    e.batch_size = 16;
    e.calibration_images = 16;
    e.val_images = 48;
    // PACT, not the default --quantizer auto: its 2-bit recipe (a float teacher, bias
    // correction) made these tiny searches several times slower (3x under ASan), and they
    // test the search, not the recipe (test_compare_policies checks that auto reaches the
    // final checkpoints, tests/train the recipe itself).
    e.quantizer = mpq::QuantizerChoice::pact;
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
    o.actors = actors;
    return o;
  }

  // A search of `space` under `budget` (quick settings) killed after its episode 3 and
  // resumed from `state` (a fresh file of dir) ends with `full`'s episodes and best agent
  // policy (bits, FLASH, RAM, accuracy); `full` ran the same settings uninterrupted.
  void check_killed_and_resumed(const mpq::SearchSpace& s, const mpq::MemoryBudget& b, const mpq::PolicySearch& full,
                                const std::string& state) {
    struct Killed {};
    {
      mpq::PolicyEvaluator ev(ckpt, "mem", train, val, quick_eval());
      mpq::PolicySearch killed(s, b, ev, quick_search(state));
      BOOST_CHECK_THROW(killed.run([](const mpq::EpisodeRecord& r) {
        if (r.episode == 3) throw Killed{};
      }),
                        Killed);
    }
    mpq::PolicyEvaluator ev(ckpt, "mem", train, val, quick_eval());
    mpq::PolicySearch resumed(s, b, ev, quick_search(state));
    resumed.resume();
    BOOST_TEST(resumed.records().size() == 4u);
    resumed.run();
    BOOST_REQUIRE(resumed.records().size() == full.records().size());
    for (size_t i = 0; i < full.records().size(); ++i) {
      BOOST_TEST(resumed.records()[i].bits == full.records()[i].bits, "episode " << i);
      BOOST_TEST(resumed.records()[i].flash == full.records()[i].flash, "episode " << i);
      BOOST_TEST(resumed.records()[i].ram == full.records()[i].ram, "episode " << i);
      BOOST_TEST(resumed.records()[i].accuracy == full.records()[i].accuracy, "episode " << i);
    }
    BOOST_TEST((resumed.best_policy("agent") == full.best_policy("agent")));
  }
};

}  // namespace mpq_search_test
