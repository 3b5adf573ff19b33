// mpq export-weights: float checkpoint -> PyTorch (torchvision-style) safetensors.
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "libmpq/core/atomic_file.hpp"
#include "libmpq/io/torch_weights.hpp"

namespace mpq::cli {

namespace {
// "runs/default/float.mpqc" -> "runs/default/float.safetensors"
std::string safetensors_path_for(const std::string& checkpoint) {
  const size_t slash = checkpoint.find_last_of('/');
  const size_t dot = checkpoint.find_last_of('.');
  const bool has_extension = dot != std::string::npos && (slash == std::string::npos || dot > slash);
  return (has_extension ? checkpoint.substr(0, dot) : checkpoint) + ".safetensors";
}
// An 8-byte little-endian header length, then the JSON header's '{'.
bool looks_like_safetensors(const std::string& head) { return head.size() > 8 && head[8] == '{'; }
}  // namespace

int run_export_weights(const std::vector<std::string>& args) {
  po::options_description opts;
  opts.add_options()
      ("checkpoint", po::value<std::string>()->default_value("runs/default/float.mpqc"), "float checkpoint")
      ("out", po::value<std::string>(), "safetensors file to write (default: the checkpoint's path with .safetensors)")
      ("force", "replace an existing --out that is not a safetensors file")
      ("json", "print the result as JSON");
  po::positional_options_description positional;  // `mpq export-weights C.mpqc --out F`
  positional.add("checkpoint", 1);
  po::variables_map vm;
  if (!parse(args, opts, vm, "mpq export-weights [C.mpqc | --checkpoint C.mpqc] [--out FILE.safetensors]",
             "Writes the weights of a float checkpoint as a PyTorch state_dict in safetensors:\n"
             "torchvision's names and layouts for mobilenet_v2 and mnasnet (docs/pretrained.md for\n"
             "mobilenet_v1), F32, BN running statistics, num_batches_tracked as I64 0, so that\n"
             "torchvision's load_state_dict(strict=True) takes it. 'mpq import' reads it back\n"
             "into a byte-identical checkpoint. An existing --out is replaced only when it is a\n"
             "safetensors file or with --force; never the checkpoint itself, a link or a device.",
             &positional))
    return 0;
  const std::string path = vm["checkpoint"].as<std::string>();
  const std::string out = vm.count("out") ? vm["out"].as<std::string>() : safetensors_path_for(path);
  check_output_file(out, {"a safetensors file", looks_like_safetensors, vm.count("force") > 0, {path}});
  const Checkpoint ckpt = load_checkpoint(path);
  const SafetensorsFile file = export_torch_weights(ckpt, path);
  const std::string bytes = encode_safetensors(file);
  make_parent_directories(out);
  write_file_atomically(out, bytes);
  if (vm.count("json")) {
    nlohmann::json j = {{"weights", out},      {"checkpoint", path}, {"model", ckpt.spec.to_string()},
                        {"tensors", file.tensors.size()}, {"bytes", bytes.size()}};
    std::cout << j.dump(2) << "\n";
  } else {
    std::printf("wrote %s: %zu tensors, %zu bytes (%s)\n", out.c_str(), file.tensors.size(), bytes.size(),
                ckpt.spec.to_string().c_str());
  }
  return 0;
}

}  // namespace mpq::cli
