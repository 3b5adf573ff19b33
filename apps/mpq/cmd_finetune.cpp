// mpq finetune: quantization-aware fine-tuning of a policy from a float checkpoint.
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
#include "libmpq/train/finetune.hpp"
#include "policy_options.hpp"

namespace mpq::cli {

po::options_description training_options(const TrainOptions& d);
TrainOptions read_training_options(const po::variables_map& vm, TrainOptions o);
int64_t choose_shards(const po::variables_map& vm, const Checkpoint* resumed, int64_t batch);
std::string describe_data_parallel(int64_t shards);

int run_finetune(const std::vector<std::string>& args) {
  po::options_description opts;
  opts.add(policy_options());
  opts.add(data_options());
  opts.add(training_options(default_finetune_options()));
  opts.add(thread_options());
  opts.add_options()
      ("checkpoint", po::value<std::string>()->default_value("runs/default/float.mpqc"), "float checkpoint to start from")
      ("out", po::value<std::string>()->default_value("runs/default/quantized.mpqc"), "quantized checkpoint to write")
      ("resume", "continue a killed fine-tune from --out")
      ("start-from", po::value<std::string>(),
       "fine-tuned checkpoint of the same model (e.g. w4a4) whose weights and biases this fine-tune starts from "
       "instead of the float ones: a progressive schedule 8 -> 4 -> 2 (steps and grids are initialized again)")
      ("calibration-images", po::value<int64_t>()->default_value(512), "training images that initialize the activation grids")
      ("per-tensor", "one weight scale per tensor instead of per output channel")
      ("quantizer", po::value<std::string>()->default_value("auto"),
       "auto: lsq with --distill 0.5 --correct-statistics mean --fine-bias when any tensor has 2 bits, pact "
       "otherwise (measured best, docs/quantization.md); pact: weight scales searched every step, PACT clips after "
       "ReLU, tracked ranges elsewhere; lsq: learned step sizes for weights and activations (LSQ, LSQ+ offsets "
       "where negative); lsq-pact: LSQ weights, PACT activations. --correct-statistics, --distill, --fine-bias "
       "and the inits given override the choice's")
      ("weight-step-init", po::value<std::string>(),
       "how learned weight steps start (lsq, lsq-pact): lsq, the LSQ paper's 2 mean|w| / sqrt(Qp); mse, the step of "
       "least squared rounding error per channel; mse-depthwise, mse for 2-bit depthwise convs only; mse-8, mse for 8-bit "
       "weights only; mse-4-8, mse for 4- and 8-bit weights (default: the --quantizer choice's)")
      ("activation-init", po::value<std::string>(),
       "how calibration sets 2-bit activation grids: mse (the clip of least squared error, 1.00..0.30 of the "
       "observed maximum), mse-wide (1.00..0.05), p99.9 (the 99.9th percentile), lsq (2 mean|x| / sqrt(Qp)); "
       "default: the --quantizer choice's")
      ("weight-quantizer", po::value<std::string>()->default_value("uniform"),
       "uniform: symmetric grid per output channel (integer-deployable); kmeans: per-layer k-means codebook of "
       "2^bits float centroids fine-tuned with shared gradients (HAQ's non-uniform reference; fake-quant only, "
       "mpq export refuses it); --quantizer then sets the activations only")
      ("fine-bias", "round the biases of 2- and 4-bit layers to the accumulator's finer grid s_in * s_w / 2^(8 - bits) "
                    "instead of s_in * s_w (an option: no consistent effect measured, docs/quantization.md)")
      ("correct-statistics", po::value<std::string>()->default_value("none"),
       "BN re-estimation after quantization, layer by layer on the calibration images: none, mean (bias "
       "correction) or std (mean and standard deviation of every output channel)")
      ("distill", po::value<float>()->default_value(0.f),
       "weight in [0, 1] of distillation from the float model (KL of softened outputs) against the labels' loss")
      ("distill-temperature", po::value<float>()->default_value(2.f), "softmax temperature of --distill")
      ("json", "print the result as JSON");
  po::variables_map vm;
  if (!parse(args, opts, vm, "mpq finetune --checkpoint C (--policy P | --uniform N) [--epochs N] [--out Q]",
             "Folds BN into the convolutions, fake-quantizes weights (per channel, symmetric) and\n"
             "activations (PACT after ReLU, asymmetric elsewhere; or learned step sizes with\n"
             "--quantizer lsq; --quantizer auto picks per policy) at the policy's bits, calibrates\n"
             "the activation grids, and fine-tunes. Checkpoints every epoch (resumable).\n"
             "Without --lr: 0.001 when every tensor has 4 or 8 bits, 0.01 when any has 2."))
    return 0;
  apply_thread_options(vm);
  const int64_t calibration_images = vm["calibration-images"].as<int64_t>();
  if (calibration_images < 1 || calibration_images > kMaxCalibrationImages)
    throw UsageError("--calibration-images " + std::to_string(calibration_images) + ": expected 1.." +
                     std::to_string(kMaxCalibrationImages));
  const std::string float_path = vm["checkpoint"].as<std::string>();
  const Checkpoint float_ckpt = load_checkpoint(float_path);
  const Policy policy = read_policy_options(vm, float_ckpt.spec);
  TrainOptions options = read_training_options(vm, default_finetune_options());
  if (vm["lr"].defaulted()) options.lr = default_finetune_lr(policy);
  options.checkpoint_path = vm["out"].as<std::string>();
  const bool json = vm.count("json") > 0;
  options.quiet = json;
  const bool resuming = vm.count("resume") && file_exists(options.checkpoint_path);
  const Checkpoint resumed = resuming ? load_checkpoint(options.checkpoint_path) : Checkpoint{};
  options.shards = choose_shards(vm, resuming ? &resumed : nullptr, options.batch_size);
  options.over_ranks = true;

  auto train = open_dataset(vm, Split::train, float_ckpt.spec);
  auto val = open_dataset(vm, Split::validation, float_ckpt.spec);
  auto test = open_dataset(vm, Split::test, float_ckpt.spec);
  const bool per_tensor = vm.count("per-tensor") > 0;
  const bool fine_bias = vm.count("fine-bias") > 0;
  const std::string weight_quantizer = vm["weight-quantizer"].as<std::string>();
  if (weight_quantizer != "uniform" && weight_quantizer != "kmeans")
    throw UsageError("--weight-quantizer '" + weight_quantizer + "': expected uniform or kmeans");
  const bool kmeans = weight_quantizer == "kmeans";
  if (kmeans && (per_tensor || fine_bias))
    throw UsageError("--per-tensor and --fine-bias concern the uniform weight grid, not --weight-quantizer kmeans");
  QuantizerChoice choice;
  FinetuneRecipe recipe;
  try {
    choice = parse_quantizer_choice(vm["quantizer"].as<std::string>());
    recipe = recipe_for(choice, policy, kmeans);
    if (vm.count("weight-step-init"))
      recipe.weight_step_init = parse_weight_step_init(vm["weight-step-init"].as<std::string>());
    if (vm.count("activation-init"))
      recipe.activation_init = parse_activation_init(vm["activation-init"].as<std::string>());
    if (!vm["correct-statistics"].defaulted())
      recipe.correction = parse_statistics_correction(vm["correct-statistics"].as<std::string>());
  } catch (const Error& e) {
    throw UsageError(e.what());
  }
  if (fine_bias) recipe.fine_bias = true;
  if (!vm["distill"].defaulted()) recipe.distill = vm["distill"].as<float>();
  if (!vm["distill-temperature"].defaulted()) recipe.distill_temperature = vm["distill-temperature"].as<float>();
  if (!(recipe.distill >= 0.f && recipe.distill <= 1.f) || !(recipe.distill_temperature > 0.f))
    throw UsageError("--distill must be in [0, 1] and --distill-temperature > 0");
  Checkpoint start;
  std::string start_path;
  if (vm.count("start-from")) {
    start_path = vm["start-from"].as<std::string>();
    start = load_checkpoint(start_path);
  }
  Model model = prepare_fake_quant_model(float_ckpt, float_path, policy, *train, recipe, calibration_images,
                                         per_tensor, kmeans, start_path.empty() ? nullptr : &start, start_path);
  Trainer trainer(model, *train, val.get(), options);
  Model teacher;
  distill_from_float(trainer, teacher, recipe, float_ckpt, float_path);
  trainer.extra_meta["policy"] = policy_to_json(policy);
  trainer.extra_meta["source"] = float_path;
  if (!start_path.empty()) trainer.extra_meta["start_from"] = start_path;
  trainer.extra_meta["per_tensor_weights"] = per_tensor ? "1" : "0";
  record_recipe(choice, recipe, trainer.extra_meta);
  trainer.extra_meta["weight_quantizer"] = weight_quantizer;
  add_input_normalization(*train, trainer.extra_meta);
  if (resuming) {
    const Checkpoint& ckpt = resumed;
    if (!(policy_of(ckpt, options.checkpoint_path) == policy))
      throw UsageError(options.checkpoint_path + " holds a fine-tune of another policy; choose another --out");
    if (has_kmeans_weights(ckpt) != kmeans)
      throw UsageError(options.checkpoint_path + " was fine-tuned with --weight-quantizer " +
                       ckpt.meta_or("weight_quantizer", "uniform"));
    if (recorded_recipe_name(ckpt) != recipe.name())
      throw UsageError(options.checkpoint_path + " was fine-tuned with recipe " + recorded_recipe_name(ckpt) +
                       ", these options give " + recipe.name() + " (--quantizer " + quantizer_choice_name(choice) + ")");
    trainer.resume(ckpt, options.checkpoint_path);
  } else {
    if (file_exists(options.checkpoint_path))
      throw UsageError(options.checkpoint_path + " exists: pass --resume to continue it or choose another --out");
    make_parent_directories(options.checkpoint_path);
  }
  double calibrated_val = -1;
  if (!resuming && dist::is_root()) calibrated_val = evaluate(model, *val).accuracy;
  if (!json) {
    const std::string parallel = describe_data_parallel(options.shards);
    std::printf("fine-tuning %s, policy %s, recipe %s (--quantizer %s)%s%s\n", float_ckpt.spec.to_string().c_str(),
                policy.key().c_str(), recipe.name().c_str(), quantizer_choice_name(choice),
                kmeans ? ", k-means weights (not integer-deployable)" : "",
                parallel.empty() ? "" : (", batch " + parallel).c_str());
    if (calibrated_val >= 0) std::printf("after calibration, before fine-tuning: val %.2f%%\n", 100 * calibrated_val);
  }
  trainer.run();
  if (!dist::is_root()) return 0;  // rank 0 alone tests and reports
  EvalResult t = evaluate(model, *test);
  const double val_acc = trainer.history().back().val_accuracy;
  if (json) {
    nlohmann::json out = {{"checkpoint", options.checkpoint_path}, {"policy", policy.key()},
                          {"val_accuracy_calibrated", calibrated_val}, {"val_accuracy", val_acc},
                          {"test_accuracy", t.accuracy}, {"epochs", options.epochs},
                          {"quantizer", quantizer_kind_name(recipe.quantizer)},
                          {"quantizer_choice", quantizer_choice_name(choice)}, {"recipe", recipe.name()},
                          {"fine_bias", recipe.fine_bias},
                          {"weight_quantizer", weight_quantizer}};
    std::cout << out.dump(2) << "\n";
  } else {
    std::printf("fake-quant accuracy: val %.2f%%, test %.2f%% (%lld images)\nquantized checkpoint: %s\n",
                100 * val_acc, 100 * t.accuracy, static_cast<long long>(t.images), options.checkpoint_path.c_str());
  }
  return 0;
}

}  // namespace mpq::cli
