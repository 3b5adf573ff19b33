// mpq import: PyTorch (torchvision-style) weights in safetensors -> float checkpoint.
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "libmpq/core/atomic_file.hpp"
#include "libmpq/io/torch_weights.hpp"
#include "libmpq/nn/model_builders.hpp"

namespace mpq::cli {

int run_import(const std::vector<std::string>& args) {
  po::options_description opts;
  opts.add(model_options(ModelSpec{}));
  opts.add_options()
      ("weights", po::value<std::string>(), "safetensors file with PyTorch's state_dict (required)")
      ("out", po::value<std::string>(), "float checkpoint to write (required)")
      ("force", "replace an existing --out that is not a libmpq checkpoint")
      ("json", "print the result as JSON");
  po::variables_map vm;
  if (!parse(args, opts, vm,
             "mpq import --model NAME [--width W] [--input CxHxW] [--classes N] [--stem S] --weights FILE.safetensors "
             "--out C.mpqc",
             "Loads a PyTorch state_dict saved as safetensors into a model built from the model\n"
             "options and writes it as a float checkpoint (epoch 0), ready for eval, search and\n"
             "finetune. Names and layouts are torchvision's for mobilenet_v2 and mnasnet and the\n"
             "scheme of docs/pretrained.md for mobilenet_v1; F32, F16, BF16 and F64 are read.\n"
             "A missing or extra tensor, a wrong shape or dtype, or a damaged file is an error\n"
             "naming the tensor. tools/export_torchvision_weights.py writes such files. An existing\n"
             "--out is replaced only when it is a checkpoint (MPQC) or with --force; never the\n"
             "weights file itself, a link or a device."))
    return 0;
  if (!vm.count("weights")) throw UsageError("--weights is required (a .safetensors file)");
  if (!vm.count("out")) throw UsageError("--out is required (the checkpoint to write)");
  const ModelSpec spec = read_model_options(vm);
  const std::string weights = vm["weights"].as<std::string>();
  const std::string out = vm["out"].as<std::string>();

  check_output_file(out, {"a libmpq checkpoint (MPQC)", [](const std::string& head) { return head.compare(0, 4, "MPQC") == 0; },
                          vm.count("force") > 0, {weights}});
  const SafetensorsFile file = read_safetensors(weights);
  const Checkpoint ckpt = import_torch_weights(spec, file, weights);
  make_parent_directories(out);
  save_checkpoint(out, ckpt);

  int64_t parameters = 0;
  Model model = build_model(spec);
  for (Parameter* p : model.parameters()) parameters += p->value.size();
  if (vm.count("json")) {
    nlohmann::json j = {{"checkpoint", out},        {"weights", weights},
                        {"model", spec.to_string()}, {"tensors", file.tensors.size()},
                        {"parameters", parameters}};
    std::cout << j.dump(2) << "\n";
  } else {
    std::printf("imported %zu tensors (%lld parameters) from %s\nwrote %s: %s, float, epoch 0\n", file.tensors.size(),
                static_cast<long long>(parameters), weights.c_str(), out.c_str(), spec.to_string().c_str());
  }
  return 0;
}

}  // namespace mpq::cli
