#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "libmpq/core/stage_times.hpp"
#include "libmpq/search/policy_search.hpp"

namespace mpq {

// Where a search run's time goes by phase (warm-up, agent, random search), with the agent
// phase split into the candidates' evaluations and the agent's own time (action selection,
// budget enforcement, its updates). Fed each episode as it finishes; episodes a resumed
// run found done are counted as done before, not timed again.
class SearchPhaseTimes {
 public:
  // `done` are the records a resumed search starts with; `evaluator` the search's.
  SearchPhaseTimes(const std::vector<EpisodeRecord>& done, const PolicyEvaluator& evaluator);
  void add(const EpisodeRecord& r, const PolicyEvaluator& evaluator);
  // Rows for warm-up, agent (evaluations), agent (own time) and random search.
  std::vector<StageTime> stages(int64_t total_episodes, int64_t agent_episodes, int64_t warmup) const;

 private:
  struct Phase {
    int64_t before = 0, now = 0;  // episodes done by earlier runs, by this one
    double seconds = 0, eval_seconds = 0;
    WorkUnits work;
  };
  std::map<std::string, Phase> phases_;
  double eval_mark_ = 0;
  WorkUnits work_mark_;
};

}  // namespace mpq
