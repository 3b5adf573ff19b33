// mpq bench train | infer: throughput of the float runtime, or of the fake-quant model
// (--uniform N) that fine-tuning and the search train, on random data.
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "libmpq/core/rng.hpp"
#include "libmpq/core/timer.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/nn/optimizer.hpp"
#include "libmpq/nn/softmax_cross_entropy.hpp"
#include "libmpq/quant/fake_quant_model.hpp"
#include "libmpq/quant/quant_graph.hpp"
#include "libmpq/tensor/parallel.hpp"

namespace mpq::cli {

namespace {

struct BatchData {
  Tensor images;
  std::vector<int32_t> labels;
};

BatchData random_batch(const ModelSpec& spec, int64_t batch, uint64_t seed) {
  Rng rng(seed);
  BatchData b{Tensor({batch, spec.in_height, spec.in_width, spec.in_channels}), {}};
  for (int64_t i = 0; i < b.images.size(); ++i) b.images[i] = rng.normal();
  for (int64_t i = 0; i < batch; ++i) b.labels.push_back(static_cast<int32_t>(rng.below(static_cast<uint64_t>(spec.classes))));
  return b;
}

// Runs `step` until at least min_seconds and min_iters passed (after `warmup` untimed
// runs); returns seconds per iteration.
template <class F>
double time_per_iteration(F step, double min_seconds, int min_iters, int warmup) {
  for (int i = 0; i < warmup; ++i) step();
  Timer t;
  int iters = 0;
  while (iters < min_iters || t.seconds() < min_seconds) {
    step();
    ++iters;
  }
  return t.seconds() / iters;
}

}  // namespace

int run_bench(const std::vector<std::string>& args) {
  if (args.empty() || (args[0] != "train" && args[0] != "infer" && args[0] != "--help" && args[0] != "-h"))
    throw UsageError("bench: expected 'mpq bench train [options]' or 'mpq bench infer [options]'");
  const std::string what = args[0];
  std::vector<std::string> rest(args.begin() + (what == "--help" || what == "-h" ? 0 : 1), args.end());
  po::options_description opts;
  opts.add(model_options(ModelSpec{}));
  opts.add(thread_options());
  opts.add_options()
      ("batch", po::value<int64_t>()->default_value(64), "batch size")
      ("uniform", po::value<int>(), "measure the fake-quant model (BN folded, every tensor at N = 2, 4 or 8 bits, "
                                    "grids calibrated on the random batch) instead of the float one")
      ("seconds", po::value<double>()->default_value(3.0), "minimum measuring time per figure")
      ("json", "print JSON");
  po::variables_map vm;
  if (!parse(rest, opts, vm, "mpq bench train|infer [options]",
             "train: images/s of forward + backward + SGD update on random data.\n"
             "infer: images/s of float inference at batch 1 and at --batch.\n"
             "With --uniform N, of the fake-quant model that mpq finetune and mpq search train."))
    return 0;
  if (what != "train" && what != "infer") throw UsageError("bench: expected 'train' or 'infer'");
  apply_thread_options(vm);
  const ModelSpec spec = read_model_options(vm);
  const int64_t batch = vm["batch"].as<int64_t>();
  if (batch < 1) throw UsageError("--batch: expected at least 1");
  const double seconds = vm["seconds"].as<double>();
  Model model = build_model(spec, 1);
  nlohmann::json out = {{"model", spec.to_string()}, {"threads", thread_count()}, {"batch", batch}, {"mode", what}};
  std::string kind = "float";
  if (vm.count("uniform")) {
    const int bits = vm["uniform"].as<int>();
    if (bits != 2 && bits != 4 && bits != 8) throw UsageError("--uniform " + std::to_string(bits) + ": expected 2, 4 or 8");
    Model fq = build_fake_quant_model_for(spec, uniform_policy(build_quant_graph(model), bits, bits), FakeQuantOptions{});
    calibrate_quantizers(fq, {random_batch(spec, std::min<int64_t>(batch, 16), 9).images});
    model = std::move(fq);
    kind = "fake-quant w" + std::to_string(bits) + "a" + std::to_string(bits);
    out["uniform_bits"] = bits;
  }

  if (what == "train") {
    BatchData b = random_batch(spec, batch, 7);
    Sgd sgd(model.parameters(), 0.9f, 1e-4f, true);
    Tensor grad;
    double t = time_per_iteration(
        [&] {
          const Tensor& logits = model.forward(b.images, true);
          softmax_cross_entropy(logits, b.labels, &grad);
          sgd.zero_grad();
          model.backward(grad);
          sgd.step(0.01f);
        },
        seconds, 3, 2);
    out["images_per_second"] = static_cast<double>(batch) / t;
    out["ms_per_batch"] = 1e3 * t;
  } else {
    BatchData one = random_batch(spec, 1, 7), many = random_batch(spec, batch, 8);
    double t1 = time_per_iteration([&] { model.forward(one.images, false); }, seconds, 10, 3);
    double tn = time_per_iteration([&] { model.forward(many.images, false); }, seconds, 3, 2);
    out["images_per_second_batch1"] = 1.0 / t1;
    out["latency_ms_batch1"] = 1e3 * t1;
    out["images_per_second"] = static_cast<double>(batch) / tn;
  }
  if (vm.count("json")) {
    std::cout << out.dump(2) << "\n";
  } else if (what == "train") {
    std::printf("%s %s, batch %lld, %d threads: train %.1f images/s (%.2f ms per batch)\n", spec.to_string().c_str(),
                kind.c_str(), static_cast<long long>(batch), thread_count(), out["images_per_second"].get<double>(),
                out["ms_per_batch"].get<double>());
  } else {
    std::printf("%s %s, %d threads: infer batch 1 %.1f images/s (%.3f ms), batch %lld %.1f images/s\n",
                spec.to_string().c_str(), kind.c_str(), thread_count(), out["images_per_second_batch1"].get<double>(),
                out["latency_ms_batch1"].get<double>(), static_cast<long long>(batch),
                out["images_per_second"].get<double>());
  }
  return 0;
}

}  // namespace mpq::cli
