// mpq train: trains a float model and checkpoints it every epoch.
#include <cmath>
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "data_options.hpp"
#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/timer.hpp"
#include "libmpq/dist/ranks.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/tensor/parallel.hpp"
#include "libmpq/train/trainer.hpp"

namespace mpq::cli {

po::options_description training_options(const TrainOptions& d) {
  po::options_description o("Training");
  o.add_options()
      ("epochs", po::value<int64_t>()->default_value(d.epochs), "epochs")
      ("batch", po::value<int64_t>()->default_value(d.batch_size), "batch size")
      ("lr", po::value<float>()->default_value(d.lr), "peak learning rate (SGD, Nesterov momentum 0.9, cosine)")
      ("weight-decay", po::value<float>()->default_value(d.weight_decay), "L2 on conv and linear weights")
      ("warmup", po::value<double>()->default_value(d.warmup_epochs), "warm-up epochs")
      ("seed", po::value<uint64_t>()->default_value(d.seed), "seed of the initial weights, data order and augmentation")
      ("no-augment", "train without random shifts and flips")
      ("max-batches", po::value<int64_t>()->default_value(0), "stop each epoch after this many batches (0 = all)")
      ("shards", po::value<int64_t>(),
       "passes per batch, each with its own BN statistics, gradients added in a fixed order; under mpirun the "
       "ranks share them, and the model depends on --shards, not on the ranks (default: a resumed checkpoint's, "
       "else the number of ranks)");
  return o;
}

int64_t choose_shards(const po::variables_map& vm, const Checkpoint* resumed, int64_t batch) {
  int64_t shards = dist::size();
  if (vm.count("shards"))
    shards = vm["shards"].as<int64_t>();
  else if (resumed && resumed->meta.count("train.shards"))
    shards = resumed->meta_count("train.shards", kMaxBatchSize, "the resumed checkpoint");
  if (shards < 1 || shards > batch)
    throw UsageError("--shards " + std::to_string(shards) + ": expected 1..--batch (" + std::to_string(batch) + ")" +
                     (vm.count("shards") ? "" : ", one per rank by default"));
  return shards;
}

TrainOptions read_training_options(const po::variables_map& vm, TrainOptions o) {
  o.epochs = vm["epochs"].as<int64_t>();
  o.batch_size = vm["batch"].as<int64_t>();
  o.lr = vm["lr"].as<float>();
  o.weight_decay = vm["weight-decay"].as<float>();
  o.warmup_epochs = vm["warmup"].as<double>();
  o.seed = vm["seed"].as<uint64_t>();
  o.augment = vm.count("no-augment") == 0;
  o.max_batches_per_epoch = vm["max-batches"].as<int64_t>();
  if (o.epochs < 1 || o.epochs > kMaxEpochs)
    throw UsageError("--epochs " + std::to_string(o.epochs) + ": expected 1.." + std::to_string(kMaxEpochs));
  if (o.batch_size < 1 || o.batch_size > kMaxBatchSize)
    throw UsageError("--batch " + std::to_string(o.batch_size) + ": expected 1.." + std::to_string(kMaxBatchSize));
  if (!(o.lr > 0.f && std::isfinite(o.lr))) throw UsageError("--lr: expected a positive learning rate");
  if (!(o.weight_decay >= 0.f && std::isfinite(o.weight_decay))) throw UsageError("--weight-decay: expected 0 or more");
  if (!(o.warmup_epochs >= 0 && o.warmup_epochs <= static_cast<double>(kMaxEpochs)))
    throw UsageError("--warmup: expected 0.." + std::to_string(kMaxEpochs) + " epochs");
  if (o.max_batches_per_epoch < 0) throw UsageError("--max-batches: expected 0 or more");
  return o;
}

// "in S shards on N ranks" for the banners of train and finetune; "" for one shard alone.
std::string describe_data_parallel(int64_t shards) {
  if (shards == 1 && dist::size() == 1) return "";
  return "in " + std::to_string(shards) + " shard" + (shards == 1 ? "" : "s") + " on " +
         std::to_string(dist::size()) + " rank" + (dist::size() == 1 ? "" : "s");
}

int run_train(const std::vector<std::string>& args) {
  po::options_description opts;
  opts.add(model_options(ModelSpec{}));
  opts.add(data_options());
  opts.add(training_options(TrainOptions{}));
  opts.add(thread_options());
  opts.add_options()
      ("out", po::value<std::string>()->default_value("runs/default/float.mpqc"), "checkpoint to write (every epoch, atomically)")
      ("resume", "continue from --out if it exists (a killed run ends as an unkilled one)")
      ("json", "print the final result as JSON");
  po::variables_map vm;
  if (!parse(args, opts, vm, "mpq train [options]",
             "Trains a float model on the training split, reports validation accuracy every epoch\n"
             "and test accuracy at the end. Defaults: MobileNetV1 0.25, 1x32x32, Fashion-MNIST."))
    return 0;
  apply_thread_options(vm);
  const ModelSpec spec = read_model_options(vm);
  TrainOptions options = read_training_options(vm, TrainOptions{});
  options.checkpoint_path = vm["out"].as<std::string>();
  options.quiet = vm.count("json") > 0;
  const bool resuming = vm.count("resume") && file_exists(options.checkpoint_path);
  // Every rank reads it: rank 0 writes the next one only after every rank's first step.
  const Checkpoint resumed = resuming ? load_checkpoint(options.checkpoint_path) : Checkpoint{};
  options.shards = choose_shards(vm, resuming ? &resumed : nullptr, options.batch_size);
  options.over_ranks = true;

  auto train = open_dataset(vm, Split::train, spec);
  auto val = open_dataset(vm, Split::validation, spec);
  auto test = open_dataset(vm, Split::test, spec);

  Model model = build_model(spec, options.seed);
  Trainer trainer(model, *train, val.get(), options);
  if (resuming) {
    trainer.resume(resumed, options.checkpoint_path);
    if (!options.quiet)
      std::printf("resuming %s after epoch %lld\n", options.checkpoint_path.c_str(),
                  static_cast<long long>(trainer.completed_epochs()));
  } else {
    // Never overwrite a finished or half-finished run by accident.
    if (file_exists(options.checkpoint_path) && !vm.count("resume"))
      throw UsageError(options.checkpoint_path + " exists: pass --resume to continue it or choose another --out");
    make_parent_directories(options.checkpoint_path);
  }
  const std::string parallel = describe_data_parallel(options.shards);
  if (!options.quiet)
    std::printf("training %s on %lld images (%lld validation), %lld epochs, batch %lld%s, %d threads\n",
                spec.to_string().c_str(), static_cast<long long>(train->size()), static_cast<long long>(val->size()),
                static_cast<long long>(options.epochs), static_cast<long long>(options.batch_size),
                parallel.empty() ? "" : (" " + parallel).c_str(),
                thread_count());
  Timer timer;
  auto history = trainer.run();
  const double seconds = timer.seconds();
  if (!dist::is_root()) return 0;  // rank 0 alone tests and reports
  EvalResult t = evaluate(model, *test);
  double total_seconds = 0;
  for (const auto& e : history) total_seconds += e.seconds;
  if (vm.count("json")) {
    nlohmann::json out = {{"model", spec.to_string()},
                          {"checkpoint", options.checkpoint_path},
                          {"epochs", options.epochs},
                          {"val_accuracy", history.empty() ? -1.0 : history.back().val_accuracy},
                          {"test_accuracy", t.accuracy},
                          {"test_loss", t.loss},
                          {"train_seconds_total", total_seconds},
                          {"train_seconds_this_run", seconds}};
    std::cout << out.dump(2) << "\n";
  } else {
    std::printf("test accuracy %.2f%% (%lld images), loss %.4f; training took %s in all\n", 100 * t.accuracy,
                static_cast<long long>(t.images), t.loss, format_duration(total_seconds).c_str());
    std::printf("checkpoint: %s\n", options.checkpoint_path.c_str());
  }
  return 0;
}

}  // namespace mpq::cli
