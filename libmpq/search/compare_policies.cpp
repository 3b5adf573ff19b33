#include "libmpq/search/compare_policies.hpp"

#include <cctype>

#include "libmpq/core/timer.hpp"
#include "libmpq/dist/ranks.hpp"

#include "libmpq/search/baselines.hpp"
#include "libmpq/search/final_finetune.hpp"
#include "libmpq/search/final_finetunes_on_ranks.hpp"
#include "libmpq/search/kmeans_baseline.hpp"
#include "libmpq/search/rescore_agent_policies.hpp"
#include "libmpq/search/rescore_store.hpp"
#include "libmpq/search/score_on_ranks.hpp"
#include "libmpq/search/shrunk_baseline.hpp"

namespace mpq {

namespace {

// A compared policy and where its final checkpoints go (final/<stem>.mpqc).
struct ComparedPolicy {
  FinalResult result;
  Policy policy;
  std::string stem;
  bool kmeans = false;  // weights as k-means codebooks (not integer-deployable)
};

std::string file_stem(const std::string& name) {
  std::string s;
  for (char c : name) s += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  return s;
}

}  // namespace

ComparisonResult compare_policies(const ComparisonInputs& in, const ComparisonSettings& settings,
                                  const ComparisonProgressFn& progress) {
  check_budget_feasible(in.graph, in.budget);
  require(in.search.finished(), "compare policies: the search has not finished");
  require(settings.final_epochs >= 0 && settings.final_seeds >= 1,
          "compare policies: final epochs >= 0 and final seeds >= 1 expected");
  ComparisonResult out;
  // Without fine-tuning the seed changes nothing: one calibrated run per policy.
  out.final_runs = settings.final_epochs > 0 ? settings.final_seeds : 1;

  StageTime rescoring;
  out.searched = rescore_agent_policies(in, settings, progress, &rescoring);
  out.stages.push_back(rescoring);
  if (progress) {
    ComparisonProgress e;
    e.stage = ComparisonStage::searched_chosen;
    e.policy = &out.searched;
    progress(e);
  }
  // Every compared policy is scored first (most scores are already in the search's
  // cache), then fine-tuned.
  std::vector<ComparedPolicy> compared;
  Timer timer;
  const WorkUnits scored_before = in.evaluator.work();
  // Kept next to the re-scores (under the search's evaluation settings): the baselines
  // are rarely among the search's candidates, so a rerun would otherwise score them again.
  RescoreStore stored(settings.out_dir.empty() ? "" : settings.out_dir + "/rescores.json",
                      rescore_settings(in.float_ckpt, in.evaluator.options(), in.train, in.val));
  auto add = [&](const std::string& name, const std::string& stem, const Policy& p) {
    FinalResult r;
    r.name = name;
    compared.push_back({r, p, stem});
  };
  add("searched (DDPG)", "searched", out.searched);
  if (in.search.best_accuracy("random") >= 0) add("random search", "random", in.search.best_policy("random"));
  add("rule-based (memory-driven)", "rule-based", rule_based_policy(in.graph, in.budget));
  for (const auto& u : fitting_uniform_policies(in.graph, in.budget)) add(u.name, file_stem(u.name), u.policy);
  if (in.budget.weights_only && settings.kmeans) {
    // Not search candidates (the search scores uniform weights): no search accuracy.
    const auto kmeans = kmeans_policies(in.graph, out.searched, in.budget);
    for (const auto& k : kmeans) {
      FinalResult r;
      r.name = k.name;
      const std::string stem = k.name.find("searched") != std::string::npos
                                   ? "kmeans-searched"
                                   : "kmeans-uniform-w" + std::to_string(k.policy.layers.front().w_bits);
      compared.push_back({r, k.policy, stem, /*kmeans=*/true});
    }
    if (kmeans.empty())
      out.notes.push_back("no k-means policy fits " + in.budget.source + ": its codebooks need more FLASH");
    else
      out.notes.push_back("k-means rows: per-layer codebooks of 2^b 32-bit float centroids fine-tuned with shared "
                          "gradients (HAQ); FLASH = the blob of the same bits + the codebooks; fake-quant only, not "
                          "integer-deployable");
  }

  // On several ranks, scored at once and kept as each round ends, then read back in
  // report order; one rank scores them one by one below, as before.
  std::vector<Candidate> unscored;
  for (const auto& c : compared)
    if (!c.kmeans && stored.find(c.policy.key()) < 0) unscored.push_back({c.policy, -1});
  if (dist::size() > 1)
    score_on_ranks(in.evaluator, unscored, [&](const Policy& p, double acc) { stored.add(p.key(), acc); });
  for (auto& c : compared) {
    if (c.kmeans) continue;  // not search candidates (the search scores uniform weights)
    const std::string key = c.policy.key();
    c.result.search_accuracy = stored.find(key);
    if (c.result.search_accuracy < 0) {
      c.result.search_accuracy = in.evaluator.accuracy(c.policy);
      stored.add(key, c.result.search_accuracy);
    }
  }

  StageTime scoring;
  scoring.name = "scoring the compared policies";
  scoring.seconds = timer.seconds();
  scoring.work = in.evaluator.work() - scored_before;
  if (scoring.work.evaluations == 0) scoring.status = StageStatus::skipped;
  scoring.note = std::to_string(compared.size()) + " policies, " + std::to_string(scoring.work.evaluations) +
                 " scored this run";
  out.stages.push_back(scoring);

  // Every final fine-tune of every policy at once on the ranks of the job.
  std::vector<StageTime> final_stages(compared.size());
  std::vector<FinalFinetuneJob> jobs;
  for (size_t i = 0; i < compared.size(); ++i) {
    ComparedPolicy& c = compared[i];
    final_stages[i].name = "final fine-tune: " + c.result.name;
    for (int64_t seed = 1; seed <= out.final_runs; ++seed) {
      FinalFinetuneJob j;
      j.float_ckpt = &in.float_ckpt;
      j.float_path = in.float_path;
      j.graph = &in.graph;
      j.policy = &c.policy;
      j.train = &in.train;
      j.val = &in.val;
      j.test = &in.test;
      j.epochs = settings.final_epochs;
      j.seed = static_cast<uint64_t>(seed);
      j.path = final_checkpoint_path(settings.out_dir, c.stem, seed);
      j.kmeans_weights = c.kmeans;
      j.patch = in.budget.patch;
      j.code = in.budget.code;
      j.ram_budget = in.budget.ram;
      j.quantizer = in.evaluator.options().quantizer;
      j.row = &c.result;
      j.stage = &final_stages[i];
      jobs.push_back(j);
    }
  }
  final_finetunes_on_ranks(jobs, [&](size_t job) {
    if (!progress) return;
    ComparisonProgress e;
    e.stage = ComparisonStage::final_finetune;
    e.name = jobs[job].row->name;
    e.index = static_cast<int64_t>(jobs[job].seed);
    e.count = out.final_runs;
    progress(e);
  });
  for (size_t i = 0; i < compared.size(); ++i) {
    StageTime& stage = final_stages[i];
    // Complete checkpoints of an earlier run are evaluated again, not trained.
    if (settings.final_epochs > 0 && stage.work.train_batches == 0) stage.status = StageStatus::skipped;
    stage.note = std::to_string(out.final_runs) + " seed" + (out.final_runs == 1 ? "" : "s");
    out.stages.push_back(stage);
    out.results.push_back(compared[i].result);
  }
  if (settings.shrunk) {
    timer.reset();
    StageTime stage;
    stage.name = "shrunk 8-bit baseline";
    auto shrunk = shrunk_baseline(in, settings, out.final_runs, progress, out.notes);
    if (shrunk) out.results.push_back(*shrunk);
    stage.seconds = timer.seconds();
    stage.note = shrunk ? "float training + final fine-tunes" : "no shrunk 8-bit model fits";
    if (!shrunk) stage.status = StageStatus::skipped;
    out.stages.push_back(stage);
  }
  return out;
}

}  // namespace mpq
