#include "libmpq/search/score_on_ranks.hpp"

#include <set>

#include "libmpq/core/byte_io.hpp"
#include "libmpq/core/work_units_io.hpp"
#include "libmpq/dist/ranks.hpp"
#include "libmpq/dist/run_on_ranks.hpp"

namespace mpq {

void score_on_ranks(PolicyEvaluator& evaluator, const std::vector<Candidate>& candidates,
                    const std::function<void(const Policy&, double)>& scored) {
  std::vector<const Candidate*> todo;
  std::set<std::string> keys;
  for (const Candidate& c : candidates)
    if (!evaluator.has_score(c.policy, c.bar) && keys.insert(c.policy.key()).second) todo.push_back(&c);
  dist::run_on_ranks(
      static_cast<int64_t>(todo.size()),
      [&](int64_t job) {
        const Candidate& c = *todo[static_cast<size_t>(job)];
        const WorkUnits before = evaluator.work();
        const double accuracy = evaluator.accuracy(c.policy, c.bar);
        const auto rejected = evaluator.rejected().find(c.policy.key());
        const WorkUnits work = evaluator.work() - before;
        ByteWriter w;
        w.f64(accuracy);
        w.f64(rejected == evaluator.rejected().end() ? -1.0 : rejected->second);
        // Halving rewards the agent with the short score, which every rank needs alike.
        w.f64(evaluator.options().fidelity == Fidelity::halving ? evaluator.short_score(c.policy) : -1.0);
        write_work_units(w, work);
        return w.bytes();
      },
      [&](int64_t job, const std::string& bytes) {
        const Policy& policy = todo[static_cast<size_t>(job)]->policy;
        ByteReader r(bytes, "a score from another rank");
        const double accuracy = r.f64("accuracy");
        const double bound = r.f64("rejection bound");
        const double short_accuracy = r.f64("short score");
        const WorkUnits work = read_work_units(r);
        // The rank that ran the job has counted it already.
        if (job % dist::size() != dist::rank()) evaluator.adopt_score(policy.key(), accuracy, bound, short_accuracy, work);
        if (scored) scored(policy, accuracy);
      });
}

}  // namespace mpq
