#include "libmpq/search/score_on_ranks.hpp"

#include <set>

#include "libmpq/core/byte_io.hpp"
#include "libmpq/dist/ranks.hpp"
#include "libmpq/dist/run_on_ranks.hpp"

namespace mpq {

void score_on_ranks(PolicyEvaluator& evaluator, const std::vector<Candidate>& candidates) {
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
        w.i64(work.evaluations);
        w.i64(work.train_batches);
        w.i64(work.val_images);
        return w.bytes();
      },
      [&](int64_t job, const std::string& bytes) {
        if (job % dist::size() == dist::rank()) return;  // this rank ran it: already counted
        ByteReader r(bytes, "a score from another rank");
        const double accuracy = r.f64("accuracy");
        const double bound = r.f64("rejection bound");
        WorkUnits work;
        work.evaluations = r.i64("evaluations");
        work.train_batches = r.i64("training batches");
        work.val_images = r.i64("validation images");
        evaluator.adopt_score(todo[static_cast<size_t>(job)]->policy.key(), accuracy, bound, work);
      });
}

}  // namespace mpq
