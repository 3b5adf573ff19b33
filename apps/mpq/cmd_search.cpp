// mpq search: the DDPG mixed-precision search under FLASH and RAM budgets, its baselines,
// the final fine-tunes and the report.
#include <algorithm>
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "data_options.hpp"
#include "search_budget_options.hpp"
#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/timer.hpp"
#include "libmpq/data/dataset_subset.hpp"
#include "libmpq/dist/ranks.hpp"
#include "libmpq/mcu/board.hpp"
#include "libmpq/mcu/byte_size.hpp"
#include "libmpq/mcu/patch_plan.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/search/compare_policies.hpp"
#include "libmpq/search/policy_search.hpp"
#include "libmpq/search/search_phase_times.hpp"
#include "libmpq/search/search_report.hpp"
#include "libmpq/tensor/parallel.hpp"
#include "libmpq/train/finetune.hpp"

namespace mpq::cli {

namespace {


// Prints the comparison's progress lines; writes policy.json as soon as the search's
// answer is known, before its final fine-tunes.
void on_comparison_progress(const ComparisonProgress& e, const ComparisonSettings& cs, bool json) {
  switch (e.stage) {
    case ComparisonStage::rescoring:
      if (!json)
        std::printf("re-scoring agent policy %lld/%lld: short %.2f%%, longer fine-tune %.2f%%\n",
                    static_cast<long long>(e.index), static_cast<long long>(e.count), 100 * e.short_accuracy,
                    100 * e.long_accuracy);
      break;
    case ComparisonStage::searched_chosen:
      if (dist::is_root()) save_policy(cs.out_dir + "/policy.json", *e.policy);
      break;
    case ComparisonStage::final_finetune:
      if (!json)
        std::printf("final fine-tune (%lld epoch%s, seed %lld/%lld): %s\n", static_cast<long long>(cs.final_epochs),
                    cs.final_epochs == 1 ? "" : "s", static_cast<long long>(e.index), static_cast<long long>(e.count),
                    e.name.c_str());
      std::fflush(stdout);
      break;
    case ComparisonStage::shrunk_not_fitting:
      if (!json) std::printf("%s\n", e.name.c_str());
      break;
    case ComparisonStage::shrunk_training:
      if (!json)
        std::printf("shrunk 8-bit baseline: training %s\n", e.name.c_str());
      std::fflush(stdout);
      break;
    case ComparisonStage::shrunk_finetune:
      break;
  }
}

void print_final_table(const SearchSummary& summary, const std::vector<FinalResult>& results, const std::string& out) {
  std::printf("\n%-30s %10s %10s %8s %7s %10s %9s %9s %7s\n", "policy", "FLASH B", "RAM B", "patch", "MACs",
              "search val", "val", "test", "std");
  for (const auto& r : results) {
    char search_val[16] = "         -";
    if (r.search_accuracy >= 0) std::snprintf(search_val, sizeof search_val, "%9.2f%%", 100 * r.search_accuracy);
    const std::string stage = r.patch + (r.patch_stream ? "s" : "");  // s: the input streamed, as mpq memory --fit
    std::printf("%-30s %10u %10u %8s %+6.1f%% %s %8.2f%% %8.2f%% %7.2f\n", r.name.c_str(), r.flash, r.ram,
                stage.c_str(), 100 * r.mac_overhead(), search_val, 100 * r.val_mean(), 100 * r.test_mean(),
                100 * r.test_std());
  }
  const std::string flash = summary.code == "none" ? "the model blob"
                                                    : "the model blob + libmpq_fw's code (" + summary.code + ")";
  std::printf("FLASH B: %s, the quantity the FLASH budget was checked against\n", flash.c_str());
  if (summary.inplace != InplaceKinds::none)
    std::printf("RAM B: with in-place pairs (--inplace %s); report.md has the separate-buffer RAM\n",
                inplace_option_word(summary.inplace));
  if (summary.patch_stream)
    std::printf("patch: s marks a stage that streams the network input (--patch-input stream); RAM B leaves it out\n");
  if (summary.final_seeds > 1)
    std::printf("val and test: means of %lld final fine-tunes with different seeds; std: of the test accuracies\n",
                static_cast<long long>(summary.final_seeds));
  std::printf("float model: val %.2f%%, test %.2f%%\nwrote %s/{policy.json,episodes.csv,report.md,report.json,search.svg}\n",
              100 * summary.float_val_accuracy, 100 * summary.float_test_accuracy, out.c_str());
}

}  // namespace

int run_search(const std::vector<std::string>& args) { return run_search(args, nullptr); }

po::options_description search_settings_options() {
  const SearchOptions sd;
  const EvalOptions ed;
  const ComparisonSettings cd;
  po::options_description opts("Search");
  opts.add_options()
      ("weights-only", "the seed paper's experiment 1: activations stay 8-bit, the agent chooses weight bits only, "
                       "under FLASH; the comparison adds HAQ's k-means weights (not integer-deployable)")
      ("no-kmeans", "with --weights-only: leave out the k-means policies")
      ("episodes", po::value<int64_t>()->default_value(sd.episodes), "DDPG episodes, warm-up included")
      ("warmup", po::value<int64_t>()->default_value(sd.warmup), "warm-up episodes of random actions")
      ("random-search", po::value<int64_t>()->default_value(-1), "random-search evaluations (-1: as many as episodes)")
      ("seed", po::value<uint64_t>()->default_value(sd.seed), "seed of the agent and the random search")
      ("actors", po::value<int64_t>()->default_value(sd.actors),
       "agent episodes in rounds of K actors: K policies with their own exploration noise, scored at once (on "
       "the ranks of an MPI job), then the agent learns from all K (1: one episode at a time, HAQ's loop)")
      ("learn-taken-actions", "train the agent on the actions it took rather than on the enforced policy's bits")
      ("noise-decay", po::value<float>()->default_value(sd.agent.noise_decay),
       "exploration noise sigma (0.5 at the first agent episode) is multiplied by this after each agent episode")
      ("finetune-batches", po::value<int64_t>()->default_value(ed.finetune_batches), "short fine-tune per candidate: batches")
      ("finetune-batch", po::value<int64_t>()->default_value(ed.batch_size), "short fine-tune batch size")
      ("val-images", po::value<int64_t>()->default_value(ed.val_images), "validation images scoring each candidate")
      ("quantizer", po::value<std::string>()->default_value(quantizer_choice_name(ed.quantizer)),
       "fine-tune recipe of every policy (short, re-scoring and final fine-tunes): auto (LSQ with distillation, "
       "bias correction and the fine bias grid when any tensor has 2 bits, PACT otherwise; docs/quantization.md), "
       "pact or lsq")
      ("fidelity", po::value<std::string>()->default_value(fidelity_name(ed.fidelity)),
       "full: every candidate is validated on all --val-images; early-reject: validation in chunks stops when the "
       "candidate can no longer reach the best score so far; halving: every candidate gets the short proxy "
       "(--short-batches, --short-images), only those near the best short score the full one (docs/search.md)")
      ("reject-margin", po::value<double>()->default_value(ed.reject_margin),
       "early-reject: how far above its running accuracy a candidate may still score on the images not yet seen "
       "(1: never rejects one that could reach the best)")
      ("reject-chunk", po::value<int64_t>()->default_value(ed.reject_chunk),
       "early-reject: validation images per chunk (a multiple of 256 keeps complete scores equal to full fidelity)")
      ("short-batches", po::value<int64_t>()->default_value(ed.short_batches),
       "halving: fine-tune batches of the short proxy every candidate gets")
      ("short-images", po::value<int64_t>()->default_value(ed.short_images),
       "halving: class-balanced validation images of the short proxy")
      ("promote-margin", po::value<double>()->default_value(ed.promote_margin),
       "halving: a candidate whose short score is within this of the best short score so far gets the full proxy")
      ("rerank", po::value<int64_t>()->default_value(cd.rerank), "re-score the best N agent policies with a longer fine-tune (0: off)")
      ("rerank-batches", po::value<int64_t>()->default_value(cd.rerank_batches), "fine-tune batches of the re-scoring")
      ("final-epochs", po::value<int64_t>()->default_value(cd.final_epochs), "final fine-tune epochs of every compared policy (0: none)")
      ("final-seeds", po::value<int64_t>()->default_value(cd.final_seeds),
       "final fine-tunes per compared policy, with different seeds; the report compares their means")
      ("shrunk-epochs", po::value<int64_t>()->default_value(cd.shrunk_epochs),
       "float training epochs of the shrunk 8-bit baseline (0: the float checkpoint's, with its whole recipe)")
      ("no-shrunk", "skip the shrunk 8-bit model baseline (it trains a new float model)");
  return opts;
}

int run_search(const std::vector<std::string>& args, std::vector<StageTime>* stages_out) {
  po::options_description opts;
  opts.add(data_options());
  opts.add(thread_options());
  opts.add(search_settings_options());
  opts.add_options()
      ("checkpoint", po::value<std::string>()->default_value("runs/default/float.mpqc"), "float checkpoint")
      ("board", po::value<std::string>(), "board profile (data/boards): its FLASH and RAM budgets")
      ("code", po::value<std::string>()->default_value("3"),
       "with --board: FLASH counts libmpq_fw's code at this -Dfw_optimization level (3, 2, s) beside the blob, "
       "or none")
      ("patch", po::value<std::string>()->default_value("none"),
       "RAM with a patch stage (docs/search.md): none; auto (per policy, the stage and grid of least RAM within "
       "--patch-max-overhead), so that activation bits are cut only when patching is not enough; or LAST_OP:GRID")
      ("patch-max-overhead", po::value<double>()->default_value(0.2),
       "with --patch auto: extra MACs allowed for the halo, as a fraction of the layer-by-layer MACs")
      ("patch-input", po::value<std::string>()->default_value("whole"),
       "with --patch auto or LAST_OP:GRID: whole (the input image sits in the arena) or stream (the stage reads it "
       "window by window from the caller, docs/memory-model.md \"Streamed input\"): the RAM checked, enforced and "
       "reported is then the streamed arena, and mpq export of a final checkpoint streams too")
      ("inplace", po::value<std::string>()->default_value("none"),
       "depthwise: every policy's RAM (checked, enforced, reported) is planned with the in-place depthwise pairs "
       "that lower it (docs/memory-model.md, \"In-place depthwise\"), with --patch too; the final checkpoints record "
       "it for mpq export, and the report gives the separate-buffer RAM beside. all: depthwise and pointwise pairs "
       "(\"In-place pointwise\"). none: separate buffers")
      ("flash", po::value<std::string>(), "FLASH budget, e.g. 2MB (default 112KiB without --board)")
      ("ram", po::value<std::string>(),
       "RAM budget, e.g. 512kB (default 12KiB without --board; none with --weights-only)")
      ("shrunk-dir", po::value<std::string>(),
       "where the shrunk models' float training goes, one checkpoint per model (default <out>/shrunk/float.mpqc)")
      ("out", po::value<std::string>()->default_value("runs/default/search"), "output folder")
      ("resume", "continue a killed search in --out")
      ("json", "print the final table as JSON");
  po::variables_map vm;
  if (!parse(args, opts, vm,
             "mpq search [--checkpoint C] [--board B | --flash X --ram Y] [--weights-only] [--patch none|auto] "
             "[--patch-input whole|stream] [--inplace none|depthwise|all] [--episodes N] [--out DIR]",
             "Searches 2/4/8 bits for every weight and activation tensor with a DDPG agent (HAQ,\n"
             "adapted to MCUs) so that the model fits the FLASH and RAM budgets, rewarded by\n"
             "validation accuracy after a short fake-quant fine-tune. Then compares the best policy\n"
             "with every fitting uniform policy, the rule-based policy, random search and a shrunk\n"
             "8-bit model, each after the same final fine-tune. With --weights-only, activations stay\n"
             "8-bit, only weight bits are searched under FLASH, and k-means weights are compared too.\n"
             "Writes policy.json, episodes.csv, report.md, report.json and search.svg to --out;\n"
             "checkpoints after every episode."))
    return 0;
  apply_thread_options(vm);
  const std::string float_path = vm["checkpoint"].as<std::string>();
  const Checkpoint float_ckpt = load_checkpoint(float_path);
  if (float_ckpt.meta_or("kind", "float") != "float")
    throw Error(float_path + ": is a '" + float_ckpt.meta_or("kind", "") + "' checkpoint; the search starts from a float one");
  MemoryBudget budget = read_search_budget(vm);
  budget.patch = read_patch_setting(vm);
  const std::string out = vm["out"].as<std::string>();
  const bool json = vm.count("json") > 0;

  SearchOptions so;
  so.episodes = vm["episodes"].as<int64_t>();
  so.warmup = vm["warmup"].as<int64_t>();
  so.random_search = vm["random-search"].as<int64_t>();
  so.seed = vm["seed"].as<uint64_t>();
  so.agent.noise_decay = vm["noise-decay"].as<float>();
  so.learn_enforced = !vm.count("learn-taken-actions");
  so.actors = vm["actors"].as<int64_t>();
  if (so.actors < 1) throw UsageError("--actors: expected at least 1");
  if (!(so.agent.noise_decay > 0.f && so.agent.noise_decay <= 1.f)) throw UsageError("--noise-decay: expected (0, 1]");
  so.state_path = out + "/search.state";
  if (so.episodes < 1) throw UsageError("--episodes: expected at least 1");
  if (so.warmup < 0 || so.warmup > so.episodes) throw UsageError("--warmup: expected 0..episodes");
  EvalOptions eo;
  eo.finetune_batches = vm["finetune-batches"].as<int64_t>();
  eo.batch_size = vm["finetune-batch"].as<int64_t>();
  eo.val_images = vm["val-images"].as<int64_t>();
  if (eo.finetune_batches < 0 || eo.batch_size < 1 || eo.val_images < 1)
    throw UsageError("--finetune-batches >= 0, --finetune-batch >= 1 and --val-images >= 1 expected");
  try {
    eo.fidelity = parse_fidelity(vm["fidelity"].as<std::string>());
  } catch (const Error& e) {
    throw UsageError(std::string("--") + e.what());
  }
  try {
    eo.quantizer = parse_quantizer_choice(vm["quantizer"].as<std::string>());
  } catch (const Error& e) {
    throw UsageError(std::string("--") + e.what());
  }
  eo.reject_margin = vm["reject-margin"].as<double>();
  eo.reject_chunk = vm["reject-chunk"].as<int64_t>();
  if (!(eo.reject_margin >= 0) || eo.reject_chunk < 1)
    throw UsageError("--reject-margin >= 0 and --reject-chunk >= 1 expected");
  eo.short_batches = vm["short-batches"].as<int64_t>();
  eo.short_images = vm["short-images"].as<int64_t>();
  eo.promote_margin = vm["promote-margin"].as<double>();
  if (eo.short_batches < 0 || eo.short_images < 1 || !(eo.promote_margin >= 0))
    throw UsageError("--short-batches >= 0, --short-images >= 1 and --promote-margin >= 0 expected");
  const int64_t final_epochs = vm["final-epochs"].as<int64_t>();
  const int64_t final_seeds = vm["final-seeds"].as<int64_t>();
  if (final_epochs < 0 || final_seeds < 1) throw UsageError("--final-epochs >= 0 and --final-seeds >= 1 expected");
  if (vm["shrunk-epochs"].as<int64_t>() < 0 || vm["shrunk-epochs"].as<int64_t>() > kMaxEpochs)
    throw UsageError("--shrunk-epochs: expected 0.." + std::to_string(kMaxEpochs));

  Model float_model = build_model(float_ckpt.spec, 1);
  restore_model(float_ckpt, float_model, float_path);
  const QuantGraph graph = build_quant_graph(float_model);
  const SearchSpace space(graph, budget.weights_only);
  auto train = open_dataset(vm, Split::train, float_ckpt.spec);
  auto val = open_dataset(vm, Split::validation, float_ckpt.spec);
  auto test = open_dataset(vm, Split::test, float_ckpt.spec);
  PolicyEvaluator evaluator(float_ckpt, float_path, *train, *val, eo);
  PolicySearch search(space, budget, evaluator, so);  // throws when the budget is impossible

  // Rank 0's view: it alone writes the state, and another rank that looks later could
  // already see the first episode's.
  const bool state_exists = dist::broadcast(file_exists(so.state_path) ? "1" : "0") == "1";
  if (state_exists && !vm.count("resume"))
    throw UsageError(so.state_path + " exists: pass --resume to continue that search or choose another --out");
  make_parent_directories(so.state_path);
  if (state_exists) search.resume();
  dist::barrier();  // every rank has read the state before rank 0 writes the next one

  SearchSummary summary;
  summary.model = float_ckpt.spec.to_string();
  summary.budget_source = budget.source;
  summary.flash_budget = budget.flash;
  summary.ram_budget = budget.ram;
  summary.weights_only = budget.weights_only;
  summary.episodes = so.episodes;
  summary.warmup = so.warmup;
  summary.final_epochs = final_epochs;
  summary.random_evaluations = so.random_search < 0 ? so.episodes : so.random_search;
  summary.fidelity = fidelity_name(eo.fidelity);
  if (eo.fidelity == Fidelity::halving) {
    char margin[32];
    std::snprintf(margin, sizeof margin, "%.1f", 100 * eo.promote_margin);
    summary.fidelity_detail = "short proxy: " + std::to_string(eo.short_batches) + " fine-tune batches, " +
                              std::to_string(eo.short_images) + " class-balanced validation images; the full proxy within " +
                              margin + " points of the best short score";
  } else if (eo.fidelity == Fidelity::early_reject) {
    summary.fidelity_detail = "validation in chunks of " + std::to_string(eo.reject_chunk) + " images";
  }
  summary.quantizer = quantizer_choice_name(eo.quantizer);
  summary.patch = budget.patch.request;
  summary.patch_max_overhead = budget.patch.max_overhead;
  summary.patch_stream = budget.patch.stream_input;
  summary.inplace = budget.patch.inplace;
  summary.code = budget.code.text();
  Timer stage_timer;
  summary.float_val_accuracy = evaluate(float_model, *val).accuracy;
  summary.float_test_accuracy = evaluate(float_model, *test).accuracy;
  {
    StageTime t;
    t.name = "search: float model's accuracy";
    t.seconds = stage_timer.seconds();
    t.work.val_images = val->size() + test->size();
    summary.stages.push_back(t);
  }
  if (!json)
    std::printf("search%s: %s under %s (FLASH %s, RAM %s%s), %zu steps per episode, %lld + %lld episodes%s, "
                "%d threads%s%s\n",
                budget.weights_only ? " (weight-only, activations 8-bit)" : "", summary.model.c_str(),
                budget.source.c_str(), format_bytes(budget.flash).c_str(), ram_budget_text(budget).c_str(),
                patch_text(budget.patch).c_str(),
                space.steps.size(), static_cast<long long>(so.episodes),
                static_cast<long long>(summary.random_evaluations),
                so.actors > 1 ? (" (agent episodes in rounds of " + std::to_string(so.actors) + " actors)").c_str()
                              : "",
                thread_count(),
                dist::size() > 1 ? (" on each of " + std::to_string(dist::size()) + " MPI ranks").c_str() : "",
                state_exists ? (", resuming after episode " + std::to_string(search.records().size())).c_str() : "");

  // Phase 1 and 2: the agent, then random search.
  Timer timer;
  int64_t done_before = static_cast<int64_t>(search.records().size());
  SearchPhaseTimes phase_times(search.records(), evaluator);
  double best = -1;
  for (const auto& r : search.records())
    if (r.phase != "random") best = std::max(best, r.accuracy);
  search.run([&](const EpisodeRecord& r) {
    phase_times.add(r, evaluator);
    if (r.phase != "random") best = std::max(best, r.accuracy);
    const int64_t done = r.episode + 1;
    const double per = timer.seconds() / static_cast<double>(done - done_before);
    if (!json && (done % 10 == 0 || done == search.total_episodes() || done - done_before <= 3)) {
      std::printf("episode %lld/%lld [%s] acc %.2f%% best %.2f%%  FLASH %u B RAM %u B  %.1f s/episode  ETA %s\n",
                  static_cast<long long>(done), static_cast<long long>(search.total_episodes()), r.phase.c_str(),
                  100 * r.accuracy, 100 * best, r.flash, r.ram, per,
                  format_duration(per * static_cast<double>(search.total_episodes() - done)).c_str());
      std::fflush(stdout);
    }
    if (done % 25 == 0 && dist::is_root()) write_file_atomically(out + "/episodes.csv", episodes_csv(search.records()));
  });
  if (dist::is_root()) write_file_atomically(out + "/episodes.csv", episodes_csv(search.records()));
  if (!json && evaluator.evaluations() > 0)
    std::printf("time in evaluations this run: %.1f s preparing + calibrating, %.1f s fine-tuning, %.1f s validating "
                "(%lld evaluations); the rest is the agent and budget enforcement\n",
                evaluator.prepare_seconds(), evaluator.finetune_seconds(), evaluator.validate_seconds(),
                static_cast<long long>(evaluator.evaluations()));
  if (!json && eo.fidelity == Fidelity::halving && evaluator.evaluations() > 0)
    std::printf("halving: %lld candidates got the full proxy this run, %lld policies have a short score (this "
                "run's evaluations: %lld fine-tune batches, %lld validation images)\n",
                static_cast<long long>(evaluator.promotions()), static_cast<long long>(evaluator.short_scores().size()),
                static_cast<long long>(evaluator.work().train_batches),
                static_cast<long long>(evaluator.work().val_images));
  else if (!json && evaluator.rejections() > 0)
    std::printf("early rejection: %lld of %lld evaluations stopped before their last validation chunk\n",
                static_cast<long long>(evaluator.rejections()), static_cast<long long>(evaluator.evaluations()));
  for (auto& t : phase_times.stages(search.total_episodes(), so.episodes, so.warmup)) summary.stages.push_back(t);
  for (const auto& r : search.records()) summary.search_seconds += r.seconds;
  summary.unique_evaluations = static_cast<int64_t>(evaluator.cache().size());

  // The comparison: the compared policies, each scored like the search's candidates and
  // then fine-tuned. Final checkpoints go to <out>/final/<stem>.mpqc; the searched one is
  // searched.mpqc.
  ComparisonSettings cs;
  cs.rerank = vm["rerank"].as<int64_t>();
  cs.rerank_batches = vm["rerank-batches"].as<int64_t>();
  cs.final_epochs = final_epochs;
  cs.final_seeds = final_seeds;
  cs.shrunk = !vm.count("no-shrunk");
  cs.shrunk_epochs = vm["shrunk-epochs"].as<int64_t>();
  if (vm.count("shrunk-dir")) cs.shrunk_dir = vm["shrunk-dir"].as<std::string>();
  cs.kmeans = !vm.count("no-kmeans");
  cs.out_dir = out;
  const ComparisonInputs inputs{float_ckpt, float_path, graph, budget, *train, *val, *test, evaluator, search,
                                [&](Split split, const ModelSpec& spec) { return open_dataset(vm, split, spec); }};
  const ComparisonResult comparison = compare_policies(
      inputs, cs, [&](const ComparisonProgress& e) { on_comparison_progress(e, cs, json); });
  summary.final_seeds = comparison.final_runs;
  summary.notes = comparison.notes;
  if (so.actors > 1)
    summary.notes.insert(summary.notes.begin(), "agent episodes in rounds of " + std::to_string(so.actors) +
                                                    " actors (--actors): each round's policies proposed by the "
                                                    "same agent with their own noise, then learnt from together");
  for (const auto& t : comparison.stages) summary.stages.push_back(t);
  const std::vector<FinalResult>& results = comparison.results;

  if (dist::is_root()) {
    write_file_atomically(out + "/report.md", report_markdown(summary, results));
    write_file_atomically(out + "/report.json", report_json(summary, results));
    write_file_atomically(out + "/search.svg", search_svg(summary, search.records(), results));
  }
  if (json) {
    std::cout << report_json(summary, results);
  } else {
    print_final_table(summary, results, out);
    std::printf("\nwhere the search's time went (this run):\n%s", stage_table(summary.stages).c_str());
  }
  if (stages_out) *stages_out = summary.stages;
  return 0;
}

}  // namespace mpq::cli
