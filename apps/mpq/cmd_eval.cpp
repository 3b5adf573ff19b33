// mpq eval: accuracy of a float checkpoint on a split.
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "data_options.hpp"
#include "libmpq/core/timer.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/train/finetune.hpp"

namespace mpq::cli {

int run_eval(const std::vector<std::string>& args) {
  po::options_description opts;
  opts.add(data_options());
  opts.add(thread_options());
  opts.add_options()
      ("checkpoint", po::value<std::string>()->default_value("runs/default/float.mpqc"), "checkpoint (.mpqc)")
      ("split", po::value<std::string>()->default_value("test"), "validation or test")
      ("batch", po::value<int64_t>()->default_value(256), "batch size")
      ("json", "print JSON");
  po::variables_map vm;
  if (!parse(args, opts, vm, "mpq eval [--checkpoint C] [--split validation|test] [--json]",
             "Reports top-1 accuracy and mean loss of a float or fine-tuned (fake-quant) checkpoint\non one split of the data."))
    return 0;
  apply_thread_options(vm);
  Split split;
  try {
    split = parse_split(vm["split"].as<std::string>());
  } catch (const Error& e) {
    throw UsageError(std::string("--split: ") + e.what());
  }
  const std::string path = vm["checkpoint"].as<std::string>();
  Checkpoint ckpt = load_checkpoint(path);
  Model model = load_any_model(ckpt, path);
  auto data = open_dataset(vm, split, ckpt.spec);
  Timer timer;
  EvalResult r = evaluate(model, *data, vm["batch"].as<int64_t>());
  if (vm.count("json")) {
    nlohmann::json out = {{"checkpoint", path}, {"model", ckpt.spec.to_string()}, {"kind", ckpt.meta_or("kind", "float")}, {"split", split_name(split)},
                          {"accuracy", r.accuracy}, {"loss", r.loss}, {"images", r.images}, {"seconds", timer.seconds()}};
    std::cout << out.dump(2) << "\n";
  } else {
    std::printf("%s on %s split: accuracy %.2f%% (%lld images), loss %.4f, %s\n", path.c_str(), split_name(split),
                100 * r.accuracy, static_cast<long long>(r.images), r.loss, format_duration(timer.seconds()).c_str());
  }
  return 0;
}

}  // namespace mpq::cli
