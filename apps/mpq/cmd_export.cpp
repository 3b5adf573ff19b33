// mpq export: a fine-tuned checkpoint -> integer model blob (+ C source for firmware).
#include <cstdio>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "libmpq/core/atomic_file.hpp"
#include "libmpq/export/blob_c_source.hpp"
#include "libmpq/export/convert_to_blob.hpp"
#include "libmpq/export/integer_model.hpp"
#include "libmpq/mcu/memory_model.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/quant/fold_batch_norm.hpp"
#include "libmpq/quant/op_records.hpp"
#include "libmpq/train/finetune.hpp"

namespace mpq::cli {

namespace {
std::vector<float> split_floats(const std::string& text, const std::string& what) {
  std::vector<float> v;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      v.push_back(std::stof(item));
    } catch (const std::exception&) {
      throw Error(what + ": bad number '" + item + "'");
    }
  }
  return v;
}
}  // namespace

InputNormalization normalization_of(const Checkpoint& ckpt, const std::string& what) {
  InputNormalization n;
  n.mean = split_floats(ckpt.meta_or("input_mean", ""), what + " (input_mean)");
  n.std = split_floats(ckpt.meta_or("input_std", ""), what + " (input_std)");
  if (n.mean.empty() || n.mean.size() != n.std.size())
    throw Error(what + ": has no input normalization (input_mean / input_std); re-run mpq finetune");
  return n;
}

int run_export(const std::vector<std::string>& args) {
  po::options_description opts;
  opts.add_options()
      ("checkpoint", po::value<std::string>()->default_value("runs/default/quantized.mpqc"), "fine-tuned checkpoint")
      ("out", po::value<std::string>()->default_value("runs/default/model.mpqm"), "model blob to write")
      ("c-source", po::value<std::string>(), "also write this C source (and a .h beside it) holding the blob")
      ("json", "print the result as JSON");
  po::variables_map vm;
  if (!parse(args, opts, vm, "mpq export [--checkpoint Q] [--out model.mpqm] [--c-source model.c]",
             "Converts a fine-tuned (fake-quant) checkpoint into the integer-only model blob that\n"
             "the runtime runs on the host and on Cortex-M (docs/blob-format.md). The blob's size\n"
             "is the memory model's FLASH and its arena the memory model's RAM, to the byte."))
    return 0;
  const std::string path = vm["checkpoint"].as<std::string>();
  const Checkpoint ckpt = load_checkpoint(path);
  Model fq = load_fake_quant_model(ckpt, path);
  const Policy policy = policy_of(ckpt, path);
  // The quantization graph the fake-quant model was built from, for the blob and the
  // memory model alike.
  Model float_model = build_model(ckpt.spec, 1);
  const QuantGraph graph = build_quant_graph(fold_batch_norm(float_model));
  const std::vector<uint8_t> blob = convert_to_blob(fq, graph, policy, normalization_of(ckpt, path));
  const IntegerModel model(blob, "exported blob");  // validates with the device's loader
  const std::string out = vm["out"].as<std::string>();
  make_parent_directories(out);
  write_file_atomically(out, std::string(blob.begin(), blob.end()));

  const MemoryReport report = memory_report(op_records(graph, op_bits(graph, policy)));
  if (report.flash_bytes != blob.size() || report.ram_bytes != model.arena_bytes())
    throw Error("export: the blob (" + std::to_string(blob.size()) + " B, arena " + std::to_string(model.arena_bytes()) +
                " B) disagrees with the memory model (" + std::to_string(report.flash_bytes) + " B, " +
                std::to_string(report.ram_bytes) + " B)");
  std::string c_path;
  if (vm.count("c-source")) {
    c_path = vm["c-source"].as<std::string>();
    const std::string symbol = c_symbol_from_path(c_path);
    const std::string header = c_path.substr(0, c_path.rfind('.')) + ".h";
    const std::string header_name = header.substr(header.find_last_of('/') == std::string::npos ? 0 : header.find_last_of('/') + 1);
    make_parent_directories(c_path);
    write_file_atomically(c_path, blob_c_source(blob, symbol, header_name));
    write_file_atomically(header, blob_c_header(symbol));
  }
  if (vm.count("json")) {
    nlohmann::json j = {{"blob", out}, {"flash_bytes", blob.size()}, {"ram_bytes", model.arena_bytes()},
                        {"policy", policy.key()}, {"model", ckpt.spec.to_string()}};
    if (!c_path.empty()) j["c_source"] = c_path;
    std::cout << j.dump(2) << "\n";
  } else {
    std::printf("wrote %s: %zu bytes of FLASH, %u bytes of RAM (arena), equal to the memory model\n", out.c_str(),
                blob.size(), model.arena_bytes());
    if (!c_path.empty()) std::printf("wrote %s and its header\n", c_path.c_str());
  }
  return 0;
}

}  // namespace mpq::cli
