#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "libmpq/core/error.hpp"
#include "libmpq/rl/ddpg.hpp"
#include "libmpq/search/budget.hpp"
#include "libmpq/search/policy_evaluator.hpp"
#include "libmpq/search/search_space.hpp"

namespace mpq {

// HAQ's agent, with the exploration noise decaying per agent episode so that it stays
// useful over 200 agent episodes (0.5 -> 0.009) instead of vanishing after about 60.
inline DdpgOptions search_agent_defaults() {
  DdpgOptions o;
  o.noise_decay = 0.98f;
  return o;
}

struct SearchOptions {
  int64_t episodes = 300;       // agent episodes, warm-up included
  int64_t warmup = 100;         // episodes of uniform random actions before learning
  int64_t random_search = -1;   // random-search baseline evaluations (-1: as many as episodes)
  uint64_t seed = 1;
  DdpgOptions agent = search_agent_defaults();  // state_size is set by the search
  // Learn from the policy that was evaluated: the agent's transitions replay the enforced
  // bits (each cut step's action moved to the centre of its new third, states recomputed)
  // instead of the actions it took, so that the critic values what was actually scored.
  bool learn_enforced = true;
  std::string state_path;       // checkpoint after every episode ("" = none)
};

// A search state written with other settings (model, budget, options or an older
// libmpq): it cannot be resumed.
class SearchSettingsMismatch : public Error {
 public:
  using Error::Error;
};

// One evaluated policy.
struct EpisodeRecord {
  int64_t episode = 0;   // 0-based over both phases
  std::string phase;     // "warmup", "agent" or "random"
  std::string bits;      // Policy::key() of the enforced policy
  uint32_t flash = 0, ram = 0;
  double accuracy = 0;   // validation accuracy after the short fine-tune
  double reward = 0;
  double seconds = 0;
};

// The DDPG search (HAQ adapted to MCUs), followed by the random-search baseline with its
// own generator. Every episode: the agent (or, during warm-up, uniform noise) picks an
// action per step, actions become bits, the budget is enforced, the enforced policy is
// scored, and every step's transition gets the episode's reward (the agent subtracts its
// moving-average baseline). After warm-up the agent updates once per step and decays its
// noise once per episode. The whole state is checkpointed atomically after each episode;
// resume() continues to the same result as an uninterrupted run.
class PolicySearch {
 public:
  PolicySearch(const SearchSpace& space, const MemoryBudget& budget, PolicyEvaluator& evaluator, SearchOptions options);

  // Loads the checkpoint at options.state_path; throws Error when it belongs to another
  // configuration (model, budget, options) or is corrupted.
  void resume();
  void run(const std::function<void(const EpisodeRecord&)>& on_episode = {});

  const std::vector<EpisodeRecord>& records() const { return records_; }
  bool finished() const;
  int64_t total_episodes() const;
  // Best policy of a phase ("agent" covers warm-up and agent episodes; "random").
  const Policy& best_policy(const std::string& phase) const;
  double best_accuracy(const std::string& phase) const;

 private:
  void run_episode(int64_t episode);
  // The policy episode `episode` would choose, before budget enforcement, with the states
  // and actions of its steps. Uses the agent's or the random search's generator.
  Policy propose(int64_t episode, std::vector<std::vector<float>>& states, std::vector<float>& actions);
  // On several ranks: scores the next episodes whose choices do not depend on scores
  // still to come (warm-up and random search, under full fidelity) at once, up to one new
  // policy per rank, or else this episode's policy alone; the generators are rewound, so
  // run_episode then proposes the same policies and finds their scores cached.
  void score_ahead(int64_t episode);
  void save() const;
  std::string fingerprint() const;

  const SearchSpace& space_;
  MemoryBudget budget_;
  PolicyEvaluator& evaluator_;
  SearchOptions options_;
  Ddpg agent_;
  Rng random_rng_;
  std::vector<EpisodeRecord> records_;
  Policy best_agent_, best_random_;
  double best_agent_acc_ = -1, best_random_acc_ = -1;
};

}  // namespace mpq
