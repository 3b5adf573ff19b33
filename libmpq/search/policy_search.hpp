#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "libmpq/core/error.hpp"
#include "libmpq/rl/ddpg.hpp"
#include "libmpq/search/budget.hpp"
#include "libmpq/search/episode_record.hpp"
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
  // Agent episodes in rounds of `actors` ("K actors per round", issue 19): the agent
  // proposes K policies from the same networks, each with its own exploration noise, from
  // a generator of (seed, round, actor) alone; they are scored at once (on the ranks of
  // an MPI job), their transitions enter the replay buffer in actor order, and only then
  // does the agent learn: K x steps updates and K noise decays at the round's end, the
  // same per episode as K = 1. K = 1 is HAQ's loop exactly (noise from the agent's own
  // generator, learning after every episode).
  int64_t actors = 1;
  std::string state_path;       // checkpoint after every episode ("" = none)
};

// A search state written with other settings (model, budget, options or an older
// libmpq): it cannot be resumed.
class SearchSettingsMismatch : public Error {
 public:
  using Error::Error;
};

// The DDPG search (HAQ adapted to MCUs), followed by the random-search baseline with its
// own generator. Every episode: the agent (or, during warm-up, uniform noise) picks an
// action per step, actions become bits, the budget is enforced, the enforced policy is
// scored, and every step's transition gets the episode's reward (the agent subtracts its
// moving-average baseline). After warm-up the agent updates once per step and decays its
// noise once per episode, at the end of each round of SearchOptions::actors episodes. The whole state is checkpointed atomically after each episode;
// resume() continues to the same result as an uninterrupted run.
class PolicySearch {
 public:
  PolicySearch(const SearchSpace& space, const MemoryBudget& budget, PolicyEvaluator& evaluator, SearchOptions options);
  PolicySearch(const PolicySearch&) = delete;  // flash_of_ refers to this search
  PolicySearch& operator=(const PolicySearch&) = delete;

  // Loads the checkpoint at options.state_path; throws Error when it belongs to another
  // configuration (model, budget, options) or is corrupted. All or nothing: on success it
  // replaces the whole state (agent, generators, records, best policies, the evaluator's
  // cached scores), on an error it changes nothing.
  void resume();
  void run(const std::function<void(const EpisodeRecord&)>& on_episode = {});
  // The state file's bytes for the search as it is now (what run() writes after each
  // episode and resume() reads).
  std::string state_bytes() const;

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
  // still to come (warm-up, random search and the rest of an agent round of K > 1 actors,
  // under full fidelity) at once, up to one new
  // policy per rank, or else this episode's policy alone; the generators are rewound, so
  // run_episode then proposes the same policies and finds their scores cached.
  void score_ahead(int64_t episode);
  // The bar episode `episode`'s candidate is scored against (PolicyEvaluator::accuracy):
  // its phase's best score, or under halving its phase's best short score.
  double bar(int64_t episode) const;
  // One past the last agent episode of `episode`'s round of SearchOptions::actors.
  int64_t round_end(int64_t episode) const;
  // Keeps the best reward of r's phase (best_agent_reward_, best_random_reward_) for a
  // record just added to records_.
  void note_reward(const EpisodeRecord& r);
  void save() const;
  std::string fingerprint() const;

  const SearchSpace& space_;
  MemoryBudget budget_;
  FlashOf flash_of_;  // the FLASH feature's measure (state_features); empty: the blob
  PolicyEvaluator& evaluator_;
  SearchOptions options_;
  Ddpg agent_;
  Rng random_rng_;
  std::vector<EpisodeRecord> records_;
  Policy best_agent_, best_random_;
  double best_agent_acc_ = -1, best_random_acc_ = -1;
  // The best reward of each phase's records so far (-1: none), halving's bar: kept where a
  // record is added, rebuilt from the records at resume().
  double best_agent_reward_ = -1, best_random_reward_ = -1;
};

}  // namespace mpq
