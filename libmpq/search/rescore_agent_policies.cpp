#include "libmpq/search/rescore_agent_policies.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>
#include <vector>

#include "libmpq/core/crc32.hpp"
#include "libmpq/core/timer.hpp"
#include "libmpq/dist/ranks.hpp"
#include "libmpq/search/rescore_store.hpp"
#include "libmpq/search/score_on_ranks.hpp"

namespace mpq {

std::string rescore_settings(const Checkpoint& float_ckpt, const EvalOptions& e, const Dataset& train,
                             const Dataset& val) {
  uint32_t crc = 0;
  for (const auto& [name, t] : float_ckpt.tensors) {
    crc = crc32(name.data(), name.size(), crc);
    crc = crc32(t.data(), static_cast<size_t>(t.size()) * sizeof(float), crc);
  }
  uint32_t data_crc = 0;
  for (const Dataset* d : {&train, &val}) {
    const int64_t n = d->size();
    data_crc = crc32(&n, sizeof n, data_crc);
    for (int64_t i = 0; i < n; ++i) {
      const int32_t label = d->label(i);
      data_crc = crc32(&label, sizeof label, data_crc);
    }
  }
  char hex[40];
  std::snprintf(hex, sizeof hex, "%08x|data crc32 %08x", crc, data_crc);
  return float_ckpt.spec.to_string() + "|float crc32 " + hex + "|eval " + std::to_string(e.finetune_batches) + "," +
         std::to_string(e.batch_size) + "," + std::to_string(e.lr) + "," + std::to_string(e.calibration_images) + "," +
         std::to_string(e.val_images) + "," + std::to_string(e.seed) +
         // Complete scores agree across fidelities only when chunks are whole validation batches;
         // halving's complete scores are full fidelity's (tests/search/test_halving.cpp).
         (e.fidelity != Fidelity::early_reject ? "" : std::string("|") + fidelity_name(e.fidelity) + " chunk " +
                                                          std::to_string(e.reject_chunk)) +
         (e.quantizer == QuantizerChoice::pact ? "" : std::string("|quantizer ") + quantizer_choice_name(e.quantizer));
}

Policy rescore_agent_policies(const ComparisonInputs& in, const ComparisonSettings& settings,
                              const ComparisonProgressFn& progress, StageTime* stage) {
  Timer timer;
  Policy searched = in.search.best_policy("agent");
  if (stage) {
    stage->name = "re-scoring";
    stage->status = StageStatus::skipped;
    stage->note = "off";
  }
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
  // Re-scores are complete: the comparison of the best few is what they are for.
  longer.fidelity = Fidelity::full;
  PolicyEvaluator long_evaluator(in.float_ckpt, in.float_path, in.train, in.val, longer);
  RescoreStore store(settings.out_dir.empty() ? "" : settings.out_dir + "/rescores.json",
                     rescore_settings(in.float_ckpt, longer, in.train, in.val));
  const int64_t count = std::min<int64_t>(settings.rerank, static_cast<int64_t>(agent.size()));
  // On several ranks, scored at once and kept as each round ends; the loop then finds
  // them. One rank scores in the loop, one by one, as before.
  std::vector<Candidate> unscored;
  int64_t found = 0;
  for (int64_t k = 0; k < count; ++k) {
    const std::string& key = agent[static_cast<size_t>(k)].second;
    if (store.find(key) >= 0) ++found;
    else unscored.push_back({policy_from_key(in.graph, key), -1});
  }
  if (dist::size() > 1)
    score_on_ranks(long_evaluator, unscored, [&](const Policy& p, double acc) { store.add(p.key(), acc); });
  double best_long = -1;
  for (int64_t k = 0; k < count; ++k) {
    const std::string& key = agent[static_cast<size_t>(k)].second;
    const Policy p = policy_from_key(in.graph, key);
    double acc = store.find(key);
    if (acc < 0) {
      acc = long_evaluator.accuracy(p);
      store.add(key, acc);
    }
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
  if (stage) {
    stage->seconds = timer.seconds();
    stage->work = long_evaluator.work();
    stage->status = found == count ? StageStatus::skipped : (found > 0 ? StageStatus::resumed : StageStatus::ran);
    stage->note = std::to_string(count) + " policies, " + std::to_string(found) + " scores from rescores.json";
  }
  return searched;
}

}  // namespace mpq
