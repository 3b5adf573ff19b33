#include "libmpq/search/shrunk_baseline.hpp"

#include <cctype>

#include "libmpq/core/atomic_file.hpp"
#include "libmpq/dist/ranks.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/search/baselines.hpp"
#include "libmpq/search/final_finetune.hpp"
#include "libmpq/search/final_finetunes_on_ranks.hpp"
#include "libmpq/train/trainer.hpp"
#include "libmpq/train/training_recipe.hpp"

namespace mpq {

namespace {

// Float training of the shrunk model, resumable at `path`. A checkpoint there trained with
// another recipe (an older run's) is not resumed: its schedule would not be this one.
void train_float(const ModelSpec& spec, const Dataset& train, const Dataset& val, TrainOptions options,
                       const std::string& path) {
  Model model = build_model(spec, options.seed);
  options.checkpoint_path = path;
  options.quiet = true;
  // Data-parallel over every rank of the job, with the float model's shards: the same
  // model on any number of ranks (sharded_step.hpp); rank 0 writes the checkpoint.
  options.over_ranks = true;
  Trainer trainer(model, train, &val, options);
  if (file_exists(path)) {
    const Checkpoint done = load_checkpoint(path);
    bool recorded = false;
    const TrainOptions was = training_recipe(done, path, &recorded);
    if (recorded && describe_training_recipe(was) == describe_training_recipe(options) &&
        done.spec.to_string() == spec.to_string())
      trainer.resume(done, path);
  }
  trainer.run();
}

std::string file_stem(const std::string& name) {
  std::string s;
  for (char c : name) s += std::isalnum(static_cast<unsigned char>(c)) || c == '.' ? c : '-';
  return s;
}

void report(const ComparisonProgressFn& progress, ComparisonStage stage, const std::string& name, int64_t index = 0,
            int64_t count = 0) {
  if (!progress) return;
  ComparisonProgress e;
  e.stage = stage;
  e.name = name;
  e.index = index;
  e.count = count;
  progress(e);
}

}  // namespace

std::optional<FinalResult> shrunk_baseline(const ComparisonInputs& in, const ComparisonSettings& settings,
                                           int64_t runs, const ComparisonProgressFn& progress,
                                           std::vector<std::string>& notes) {
  const ModelSpec& original = in.float_ckpt.spec;
  const std::vector<int64_t> sizes = shrunk_input_sizes(original);
  ModelSpec shrunk;
  try {
    shrunk = largest_fitting_8bit_model(original, sizes, in.budget);
  } catch (const Error& e) {
    notes.push_back(std::string("shrunk 8-bit baseline: ") + e.what() +
                    ": under this budget the model deploys only with fewer bits");
    report(progress, ComparisonStage::shrunk_not_fitting, notes.back());
    return std::nullopt;
  }
  auto train = in.open_data(Split::train, shrunk);
  auto val = in.open_data(Split::validation, shrunk);
  auto test = in.open_data(Split::test, shrunk);
  // Trained like the float model it competes with: its recipe (epochs, batch, learning
  // rate, schedule, augmentation, seed), unless settings.shrunk_epochs overrides the epochs.
  bool recorded = false;
  TrainOptions to = training_recipe(in.float_ckpt, in.float_path, &recorded);
  if (settings.shrunk_epochs > 0) to.epochs = settings.shrunk_epochs;
  notes.push_back("shrunk 8-bit model " + shrunk.to_string() + ": trained from scratch " +
                  (settings.shrunk_epochs > 0 ? "with --shrunk-epochs " + std::to_string(settings.shrunk_epochs) +
                                                    " and otherwise the float model's recipe"
                                              : std::string(recorded ? "with the float model's recipe"
                                                                     : "with mpq train's defaults (the float "
                                                                       "checkpoint records no recipe)")) +
                  " (" + describe_training_recipe(to) + "), then the same final fine-tunes as every policy");
  report(progress, ComparisonStage::shrunk_training, shrunk.to_string() + ", " + describe_training_recipe(to));
  const std::string path = settings.shrunk_dir.empty()
                               ? settings.out_dir + "/shrunk/float.mpqc"
                               : settings.shrunk_dir + "/" + file_stem(shrunk.to_string()) + ".mpqc";
  make_parent_directories(path);
  // Every rank reads the state of `path` before rank 0 can write it again (after the first
  // step, which needs every rank), and then reads the complete checkpoint.
  train_float(shrunk, *train, *val, to, path);
  dist::barrier();
  const Checkpoint ckpt = load_checkpoint(path);
  Model model = build_model(shrunk, 1);
  const QuantGraph graph = build_quant_graph(model);
  const Policy w8a8 = uniform_policy(graph, 8, 8);
  FinalResult row;
  row.name = "shrunk model, uniform 8-bit";
  std::vector<FinalFinetuneJob> jobs;
  for (int64_t seed = 1; seed <= runs; ++seed) {
    FinalFinetuneJob j;
    j.float_ckpt = &ckpt;
    j.float_path = path;
    j.graph = &graph;
    j.policy = &w8a8;
    j.train = train.get();
    j.val = val.get();
    j.test = test.get();
    j.epochs = settings.final_epochs;
    j.seed = static_cast<uint64_t>(seed);
    j.path = final_checkpoint_path(settings.out_dir, "shrunk-w8a8", seed);
    j.row = &row;
    j.patch = in.budget.patch;
    j.code = in.budget.code;
    j.ram_budget = in.budget.ram;
    j.quantizer = in.evaluator.options().quantizer;
    jobs.push_back(j);
  }
  final_finetunes_on_ranks(jobs, [&](size_t job) {
    report(progress, ComparisonStage::shrunk_finetune, row.name, static_cast<int64_t>(jobs[job].seed), runs);
  });
  return row;
}

}  // namespace mpq
