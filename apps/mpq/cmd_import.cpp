// mpq import: PyTorch (torchvision-style) weights in safetensors, or a whole ONNX model,
// -> float checkpoint.
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "libmpq/core/atomic_file.hpp"
#include "libmpq/io/onnx_import.hpp"
#include "libmpq/io/torch_weights.hpp"
#include "libmpq/nn/model_builders.hpp"

namespace mpq::cli {

namespace {

int import_onnx_model(const po::variables_map& vm) {
  if (vm.count("weights")) throw UsageError("--weights is for a built-in --model; an --onnx file holds its weights");
  if (!vm["model"].defaulted() || !vm["width"].defaulted() || !vm["stem"].defaulted())
    throw UsageError("--model, --width and --stem are for built-in models; an --onnx file holds its graph");
  if (!vm.count("out")) throw UsageError("--out is required (the checkpoint to write)");
  const std::string path = vm["onnx"].as<std::string>();
  const std::string out = vm["out"].as<std::string>();
  OnnxImportOptions options;
  if (!vm["input"].defaulted()) {
    ModelSpec s;
    try {
      parse_input_shape(vm["input"].as<std::string>(), s);
    } catch (const Error& e) {
      throw UsageError(std::string("--input: ") + e.what());
    }
    options.in_channels = s.in_channels;
    options.in_height = s.in_height;
    options.in_width = s.in_width;
  }
  if (!vm["classes"].defaulted()) {
    options.classes = vm["classes"].as<int64_t>();
    if (options.classes < 2 || options.classes > kMaxClasses)
      throw UsageError("--classes " + std::to_string(options.classes) + ": expected 2.." + std::to_string(kMaxClasses));
  }
  const auto is_checkpoint = [](const std::string& head) { return head.compare(0, 4, "MPQC") == 0; };
  check_output_file(out, {"a libmpq checkpoint (MPQC)", is_checkpoint, vm.count("force") > 0, {path}});
  const Checkpoint ckpt = import_onnx(read_file(path), path, options);
  make_parent_directories(out);
  save_checkpoint(out, ckpt);
  Model model = build_model(ckpt.spec);
  int64_t parameters = 0;
  for (Parameter* p : model.parameters()) parameters += p->value.size();
  if (vm.count("json")) {
    nlohmann::json j = {{"checkpoint", out},        {"onnx", path},          {"model", ckpt.spec.to_string()},
                        {"nodes", model.size()},    {"parameters", parameters}};
    std::cout << j.dump(2) << "\n";
  } else {
    std::printf("imported %zu nodes (%lld parameters) from %s\nwrote %s: %s, float, epoch 0\n", model.size(),
                static_cast<long long>(parameters), path.c_str(), out.c_str(), ckpt.spec.to_string().c_str());
  }
  return 0;
}

}  // namespace

int run_import(const std::vector<std::string>& args) {
  po::options_description opts;
  opts.add(model_options(ModelSpec{}));
  opts.add_options()
      ("weights", po::value<std::string>(), "safetensors file with PyTorch's state_dict (for a built-in --model)")
      ("onnx", po::value<std::string>(),
       "float ONNX model to import, graph and weights (instead of --model and --weights)")
      ("out", po::value<std::string>(), "float checkpoint to write (required)")
      ("force", "replace an existing --out that is not a libmpq checkpoint")
      ("json", "print the result as JSON");
  po::variables_map vm;
  if (!parse(args, opts, vm,
             "mpq import --model NAME [--width W] [--input CxHxW] [--classes N] [--stem S] --weights FILE.safetensors "
             "--out C.mpqc\n       mpq import --onnx MODEL.onnx [--input CxHxW] [--classes N] --out C.mpqc",
             "Loads a PyTorch state_dict saved as safetensors into a model built from the model\n"
             "options and writes it as a float checkpoint (epoch 0), ready for eval, search and\n"
             "finetune. Names and layouts are torchvision's for mobilenet_v2 and mnasnet and the\n"
             "scheme of docs/pretrained.md for mobilenet_v1; F32, F16, BF16 and F64 are read.\n"
             "A missing or extra tensor, a wrong shape or dtype, or a damaged file is an error\n"
             "naming the tensor. tools/export_torchvision_weights.py writes such files. An existing\n"
             "--out is replaced only when it is a checkpoint (MPQC) or with --force; never the\n"
             "weights file itself, a link or a device.\n"
             "With --onnx: the model's graph and weights (opsets 11-17, as torch.onnx.export writes;\n"
             "supported nodes in docs/import.md) become a checkpoint holding the graph, which every\n"
             "command takes like a built-in (--model C.mpqc where a command builds a model). --input\n"
             "fixes or overrides the input size, --classes checks the output's."))
    return 0;
  if (vm.count("onnx")) return import_onnx_model(vm);
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
