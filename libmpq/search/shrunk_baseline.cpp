#include "libmpq/search/shrunk_baseline.hpp"

#include "libmpq/core/atomic_file.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/search/baselines.hpp"
#include "libmpq/search/final_finetune.hpp"
#include "libmpq/train/trainer.hpp"

namespace mpq {

namespace {

// Float training of the shrunk model with the default schedule, resumable at `path`.
Checkpoint train_float(const ModelSpec& spec, const Dataset& train, const Dataset& val, TrainOptions options,
                       const std::string& path) {
  Model model = build_model(spec, options.seed);
  options.checkpoint_path = path;
  options.quiet = true;
  Trainer trainer(model, train, &val, options);
  if (file_exists(path)) trainer.resume(load_checkpoint(path), path);
  trainer.run();
  return load_checkpoint(path);
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
  // The original input size, and 28 for single-channel images larger than that: IDX data
  // (Fashion-MNIST) exists at 28x28. An imported graph keeps its own size (and width): it
  // was made for that input and need not build at another.
  std::vector<int64_t> sizes{original.in_height};
  if (original.in_height > 28 && original.in_channels == 1 && !original.is_graph()) sizes.push_back(28);
  ModelSpec shrunk;
  try {
    shrunk = largest_fitting_8bit_model(original, sizes, in.budget);
  } catch (const Error& e) {
    notes.push_back(std::string("shrunk 8-bit baseline: ") + e.what() +
                    ": under this budget the model deploys only with fewer bits");
    report(progress, ComparisonStage::shrunk_not_fitting, notes.back());
    return std::nullopt;
  }
  report(progress, ComparisonStage::shrunk_training, shrunk.to_string());
  auto train = in.open_data(Split::train, shrunk);
  auto val = in.open_data(Split::validation, shrunk);
  auto test = in.open_data(Split::test, shrunk);
  TrainOptions to;
  to.epochs = settings.shrunk_epochs;
  const std::string path = settings.out_dir + "/shrunk/float.mpqc";
  make_parent_directories(path);
  const Checkpoint ckpt = train_float(shrunk, *train, *val, to, path);
  Model model = build_model(shrunk, 1);
  const QuantGraph graph = build_quant_graph(model);
  const Policy w8a8 = uniform_policy(graph, 8, 8);
  FinalResult row;
  row.name = "shrunk model, uniform 8-bit";
  for (int64_t seed = 1; seed <= runs; ++seed) {
    report(progress, ComparisonStage::shrunk_finetune, row.name, seed, runs);
    final_finetune(ckpt, path, graph, w8a8, *train, *val, *test, settings.final_epochs, static_cast<uint64_t>(seed),
                   final_checkpoint_path(settings.out_dir, "shrunk-w8a8", seed), row);
  }
  return row;
}

}  // namespace mpq
