// mpq demo: the whole default pipeline end to end. For now: train the default model
// (or reuse a finished run) and report its test accuracy; later stages join as they land.
#include <cstdio>

#include "cli.hpp"
#include "data_options.hpp"
#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/timer.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/tensor/parallel.hpp"
#include "libmpq/train/trainer.hpp"

namespace mpq::cli {

int run_demo(const std::vector<std::string>& args) {
  po::options_description opts;
  opts.add(data_options());
  opts.add(thread_options());
  opts.add_options()
      ("dir", po::value<std::string>()->default_value("runs/default"), "folder for every artefact of the run")
      ("epochs", po::value<int64_t>()->default_value(TrainOptions{}.epochs), "float training epochs");
  po::variables_map vm;
  if (!parse(args, opts, vm, "mpq demo [--dir DIR] [--threads T]",
             "Runs the default pipeline on Fashion-MNIST with MobileNetV1 0.25 at 32x32: float\n"
             "training (resumed if a previous demo was killed, skipped if it finished), then\n"
             "the test accuracy. Artefacts go to --dir."))
    return 0;
  apply_thread_options(vm);
  const std::string dir = vm["dir"].as<std::string>();
  const ModelSpec spec;
  TrainOptions options;
  options.epochs = vm["epochs"].as<int64_t>();
  options.checkpoint_path = dir + "/float.mpqc";
  make_parent_directories(options.checkpoint_path);

  auto train = open_dataset(vm, Split::train, spec);
  auto val = open_dataset(vm, Split::validation, spec);
  auto test = open_dataset(vm, Split::test, spec);
  Model model = build_model(spec, options.seed);
  Trainer trainer(model, *train, val.get(), options);
  if (file_exists(options.checkpoint_path)) {
    trainer.resume(load_checkpoint(options.checkpoint_path), options.checkpoint_path);
    std::printf("[1/1] float training: resuming %s after epoch %lld of %lld\n", options.checkpoint_path.c_str(),
                static_cast<long long>(trainer.completed_epochs()), static_cast<long long>(options.epochs));
  } else {
    std::printf("[1/1] float training: %s, %lld epochs, %d threads\n", spec.to_string().c_str(),
                static_cast<long long>(options.epochs), thread_count());
  }
  trainer.run();
  EvalResult t = evaluate(model, *test);
  double seconds = 0;
  for (const auto& e : trainer.history()) seconds += e.seconds;
  std::printf("\n%-36s %10s %10s %12s\n", "model", "val acc", "test acc", "train time");
  std::printf("%-36s %9.2f%% %9.2f%% %12s\n", spec.to_string().c_str(), 100 * trainer.history().back().val_accuracy,
              100 * t.accuracy, format_duration(seconds).c_str());
  return 0;
}

}  // namespace mpq::cli
