// mpq demo: the whole default pipeline end to end: float training, the mixed-precision
// search under the default MCU budget with its baselines and final fine-tunes, export of
// the searched policy to the integer blob, and its integer-only accuracy. Every stage
// resumes where a killed demo stopped and is skipped when it has finished.
#include <cstdio>

#include "cli.hpp"
#include "data_options.hpp"
#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/core/stage_times.hpp"
#include "libmpq/core/timer.hpp"
#include "libmpq/search/policy_search.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/tensor/parallel.hpp"
#include "libmpq/train/trainer.hpp"

namespace mpq::cli {

int run_demo(const std::vector<std::string>& args) {
  po::options_description opts;
  opts.add(thread_options());
  opts.add_options()
      ("dir", po::value<std::string>()->default_value("runs/default"), "folder for every artefact of the run")
      ("epochs", po::value<int64_t>()->default_value(TrainOptions{}.epochs), "float training epochs")
      ("episodes", po::value<int64_t>()->default_value(300), "search episodes (and random-search evaluations)")
      ("fidelity", po::value<std::string>()->default_value("full"),
       "how search candidates are scored: full, early-reject or halving (mpq search --help)")
      ("quick", "a fast smoke run: 2 training epochs, 30 episodes, no shrunk-model baseline");
  po::variables_map vm;
  if (!parse(args, opts, vm, "mpq demo [--dir DIR] [--threads T] [--quick]",
             "Runs the default pipeline on Fashion-MNIST (Debian's dataset-fashion-mnist) with\n"
             "MobileNetV1 0.25 at 32x32 under the default MCU budget (FLASH 112 KiB, RAM 12 KiB,\n"
             "where of the uniform policies only 2-bit fits): float training, DDPG search with baselines,\n"
             "final fine-tunes, export to the integer blob, integer-only test accuracy.\n"
             "A killed demo resumes where it stopped; finished stages are skipped."))
    return 0;
  apply_thread_options(vm);
  const std::string dir = vm["dir"].as<std::string>();
  const bool quick = vm.count("quick") > 0;
  const std::string epochs = std::to_string(quick ? 2 : vm["epochs"].as<int64_t>());
  const std::string episodes = std::to_string(quick ? 30 : vm["episodes"].as<int64_t>());
  const std::string threads = std::to_string(thread_count());
  const std::string float_path = dir + "/float.mpqc";

  std::printf("== [1/4] float training: %s ==\n", float_path.c_str());
  std::fflush(stdout);
  bool trained = false;
  if (file_exists(float_path)) {
    const Checkpoint c = load_checkpoint(float_path);
    trained = c.meta_or("epoch", "0") == epochs;
  }
  std::vector<StageTime> stages;
  Timer timer;
  {
    StageTime t;
    t.name = "float training";
    t.note = epochs + " epochs";
    if (trained) {
      std::printf("already trained (%s epochs)\n", epochs.c_str());
      t.status = StageStatus::skipped;
    } else {
      run_train({"--out", float_path, "--epochs", epochs, "--resume", "--threads", threads});
    }
    t.seconds = timer.seconds();
    stages.push_back(t);
  }

  std::printf("\n== [2/4] mixed-precision search and baselines: %s/search ==\n", dir.c_str());
  std::fflush(stdout);
  std::vector<std::string> search_args{"--checkpoint", float_path, "--out", dir + "/search", "--resume",
                                       "--episodes", episodes, "--threads", threads,
                                       "--fidelity", vm["fidelity"].as<std::string>()};
  if (quick) {
    search_args.insert(search_args.end(), {"--warmup", "10", "--no-shrunk", "--final-seeds", "1"});
  }
  std::vector<StageTime> search_stages;
  try {
    run_search(search_args, &search_stages);
  } catch (const SearchSettingsMismatch&) {
    // A search left by another version or other options cannot be resumed; say how to
    // start afresh without deleting anything on the user's behalf.
    throw Error(dir + "/search holds a search with other settings (an older libmpq or other options): remove " + dir +
                "/search or pass --dir DIR for a fresh demo");
  }

  stages.insert(stages.end(), search_stages.begin(), search_stages.end());

  std::printf("\n== [3/4] export of the searched policy: %s/model.mpqm ==\n", dir.c_str());
  std::fflush(stdout);
  const std::string quantized = dir + "/search/final/searched.mpqc";
  timer.reset();
  run_export({"--checkpoint", quantized, "--out", dir + "/model.mpqm", "--c-source", dir + "/model.c"});
  stages.push_back({"export", timer.seconds(), {}, StageStatus::ran, "integer blob and C source"});

  std::printf("\n== [4/4] integer-only accuracy (the code the firmware runs) ==\n");
  std::fflush(stdout);
  timer.reset();
  run_eval({"--model", dir + "/model.mpqm", "--checkpoint", quantized, "--split", "test", "--threads", threads});
  stages.push_back({"integer-only evaluation", timer.seconds(), {}, StageStatus::ran, "test split"});
  std::printf("\n== where the time went (wall clock, this run; work in evaluations, training batches and "
              "validation images) ==\n%s",
              stage_table(stages).c_str());
  std::printf("\nreport: %s/search/report.md, plot: %s/search/search.svg, policy: %s/search/policy.json\n",
              dir.c_str(), dir.c_str(), dir.c_str());
  return 0;
}

}  // namespace mpq::cli
