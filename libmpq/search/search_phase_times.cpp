#include "libmpq/search/search_phase_times.hpp"

#include <cstdio>

namespace mpq {

SearchPhaseTimes::SearchPhaseTimes(const std::vector<EpisodeRecord>& done, const PolicyEvaluator& evaluator)
    : eval_mark_(evaluator.seconds()), work_mark_(evaluator.work()) {
  for (const auto& r : done) ++phases_[r.phase].before;
}

void SearchPhaseTimes::add(const EpisodeRecord& r, const PolicyEvaluator& evaluator) {
  Phase& p = phases_[r.phase];
  ++p.now;
  p.seconds += r.seconds;
  p.eval_seconds += evaluator.seconds() - eval_mark_;
  p.work += evaluator.work() - work_mark_;
  eval_mark_ = evaluator.seconds();
  work_mark_ = evaluator.work();
}

std::vector<StageTime> SearchPhaseTimes::stages(int64_t total_episodes, int64_t agent_episodes, int64_t warmup) const {
  auto phase = [&](const std::string& name) {
    auto it = phases_.find(name);
    return it == phases_.end() ? Phase{} : it->second;
  };
  auto status = [](const Phase& p) {
    if (p.now == 0 && p.before > 0) return StageStatus::skipped;
    return p.before > 0 ? StageStatus::resumed : StageStatus::ran;
  };
  auto count_note = [](const Phase& p, int64_t planned) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "%lld of %lld episodes this run", static_cast<long long>(p.now),
                  static_cast<long long>(planned));
    return std::string(buf);
  };
  auto eval_note = [](const Phase& p) {
    char buf[96];
    std::snprintf(buf, sizeof buf, ", %.1f s of it evaluations", p.eval_seconds);
    return std::string(buf);
  };
  std::vector<StageTime> out;
  const Phase w = phase("warmup"), a = phase("agent"), r = phase("random");
  StageTime t;
  t.name = "search: warm-up episodes";
  t.seconds = w.seconds;
  t.work = w.work;
  t.status = status(w);
  t.note = count_note(w, warmup) + eval_note(w);
  out.push_back(t);
  t = {};
  t.name = "search: agent episodes, evaluations";
  t.seconds = a.eval_seconds;
  t.work = a.work;
  t.status = status(a);
  t.note = count_note(a, agent_episodes - warmup);
  out.push_back(t);
  t = {};
  t.name = "search: agent episodes, agent's own";
  t.seconds = a.seconds - a.eval_seconds;
  t.status = status(a);
  t.note = "actions, budget enforcement, updates";
  out.push_back(t);
  t = {};
  t.name = "search: random search";
  t.seconds = r.seconds;
  t.work = r.work;
  t.status = status(r);
  t.note = count_note(r, total_episodes - agent_episodes) + eval_note(r);
  out.push_back(t);
  return out;
}

}  // namespace mpq
