#include "libmpq/search/rescore_agent_policies.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace mpq {

Policy rescore_agent_policies(const ComparisonInputs& in, const ComparisonSettings& settings,
                              const ComparisonProgressFn& progress) {
  Policy searched = in.search.best_policy("agent");
  if (settings.rerank <= 1) return searched;
  std::vector<std::pair<double, std::string>> agent;
  for (const auto& r : in.search.records())
    if (r.phase != "random") agent.emplace_back(r.accuracy, r.bits);
  // Copies of a policy share its cached score, so they sort next to each other (unless
  // another policy ties with them) and unique() drops them.
  std::sort(agent.begin(), agent.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  agent.erase(std::unique(agent.begin(), agent.end(), [](const auto& a, const auto& b) { return a.second == b.second; }),
              agent.end());
  EvalOptions longer = in.evaluator.options();
  longer.finetune_batches = settings.rerank_batches;
  longer.val_images = in.val.size();
  PolicyEvaluator long_evaluator(in.float_ckpt, in.float_path, in.train, in.val, longer);
  const int64_t count = std::min<int64_t>(settings.rerank, static_cast<int64_t>(agent.size()));
  double best_long = -1;
  for (int64_t k = 0; k < count; ++k) {
    const Policy p = policy_from_key(in.graph, agent[static_cast<size_t>(k)].second);
    const double acc = long_evaluator.accuracy(p);
    if (progress) {
      ComparisonProgress e;
      e.stage = ComparisonStage::rescoring;
      e.index = k + 1;
      e.count = count;
      e.short_accuracy = agent[static_cast<size_t>(k)].first;
      e.long_accuracy = acc;
      progress(e);
    }
    if (acc > best_long) {
      best_long = acc;
      searched = p;
    }
  }
  return searched;
}

}  // namespace mpq
