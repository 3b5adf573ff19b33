// mpq memory: FLASH and RAM of a model under a policy, per op, against a board's budget.
#include <algorithm>
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "policy_options.hpp"
#include "memory_budget.hpp"
#include "search_budget_options.hpp"
#include "libmpq/mcu/board.hpp"
#include "libmpq/mcu/byte_size.hpp"
#include "libmpq/mcu/code_size.hpp"
#include "libmpq/mcu/memory_model.hpp"
#include "libmpq/mcu/patch_plan.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/quant/op_records.hpp"

namespace mpq::cli {

int run_memory(const std::vector<std::string>& args) {
  po::options_description opts;
  opts.add(model_options(ModelSpec{}));
  opts.add(policy_options());
  po::options_description bud("Budget");
  bud.add_options()
      ("board", po::value<std::string>()->default_value(kDefaultBoard),
       "board profile: a name in data/boards (or $MPQ_BOARDS_DIR) or a .json path")
      ("flash", po::value<std::string>(), "FLASH the model may use, overriding the board's (e.g. 2MB, 1.5MiB; k/M = 1024)")
      ("ram", po::value<std::string>(), "RAM the model may use, overriding the board's (e.g. 512kB)")
      ("code", po::value<std::string>()->default_value("auto"),
       "FLASH counts libmpq_fw's code too, measured at build time (runtime + the kernel variants the policy uses): "
       "3, 2 or s (its -Dfw_optimization level), none (the blob alone), or auto (-O3 with a board's budget or "
       "--board given, none with --flash alone unless --cpu is given)")
      ("cpu", po::value<std::string>(), "the core whose code counts (-mcpu, e.g. cortex-m7); default: the board's")
      ("fit", "instead of one policy: all 9 uniform (w, a) policies with FLASH, RAM and whether they fit")
      ("patch", po::value<std::string>()->default_value("none"),
       "run the first ops tile by tile (docs/memory-model.md, \"Patch stage\"): none, LAST_OP:GRID (LAST_OP "
       "an op index or name), or auto (the stage and grid of least RAM within --patch-max-overhead)")
      ("patch-max-overhead", po::value<double>()->default_value(0.2),
       "with --patch auto: extra MACs allowed for the halo, as a fraction of the layer-by-layer MACs")
      ("patch-input", po::value<std::string>()->default_value("whole"),
       "with --patch: whole (the input image sits in the arena) or stream (the stage reads it window by window "
       "from the caller, docs/memory-model.md \"Streamed input\"); stream prints the whole-input figure beside "
       "(--fit: a streamed stage's text ends in s)")
      ("inplace", po::value<std::string>()->default_value("none"),
       "depthwise: eligible depthwise ops write their output over their input where that lowers RAM (docs/memory-model.md, \"In-place "
       "depthwise\"); all: depthwise ops and pointwise convs, whose pairs may chain (\"In-place pointwise\"); prints "
       "the RAM without beside (--fit too). none: every output has its own buffer")
      ("json", "print JSON instead of a table");
  opts.add(bud);
  po::variables_map vm;
  if (!parse(args, opts, vm,
             "mpq memory [--model NAME ...] [--policy P | --uniform N | --uniform-w W --uniform-a A | --fit] "
             "[--board NAME] [--flash X] [--ram Y] [--code auto|3|2|s|none] [--cpu CPU] [--patch none|auto|LAST_OP:GRID] "
             "[--patch-input whole|stream] [--inplace none|depthwise|all] [--json]",
             "Prints what a policy costs on a microcontroller, per op: weight bytes, parameter bytes\n"
             "(per-channel bias/multiplier/shift + op and buffer records), input and output activation\n"
             "bytes, kernel scratch, and the bytes live in the arena at that op's step (* = RAM peak).\n"
             "FLASH is the exact size of the exported model blob plus, with a board, libmpq_fw's code\n"
             "for its core (runtime + the kernel variants the policy uses, measured at build time);\n"
             "RAM is the activation arena the device runtime allocates (docs/memory-model.md). Totals\n"
             "are compared with the board's budget (its size minus what the application keeps).\n"
             "Without a policy option:\n"
             "uniform 8-bit. A --policy file carries its model; the Model options are then ignored,\n"
             "except for an imported model, whose checkpoint --model C.mpqc gives its graph."))
    return 0;
  if (vm.count("fit") && has_policy_option(vm)) throw UsageError("--fit compares the uniform policies; give no policy with it");
  const Budget budget = read_budget(vm);
  const bool json = vm.count("json") > 0;
  const bool stream_input = read_patch_input(vm["patch-input"].as<std::string>(), vm["patch"].as<std::string>());
  const InplaceKinds inplace = read_inplace(vm["inplace"].as<std::string>());

  Policy policy;
  std::string policy_name;
  QuantGraph graph;
  if (vm.count("policy")) {
    if (vm.count("uniform") || vm.count("uniform-w") || vm.count("uniform-a"))
      throw UsageError("give exactly one of --policy FILE, --uniform N, or --uniform-w W --uniform-a A");
    const std::string path = vm["policy"].as<std::string>();
    policy = load_policy(path);
    ModelSpec spec = policy.spec;
    if (spec.is_graph()) {
      // An imported graph lives in its checkpoint, not in the policy: --model C.mpqc.
      spec = read_model_options(vm);
      if (!spec.is_graph())
        throw UsageError("the policy is for an imported model (" + policy.spec.to_string() +
                         "): give its checkpoint with --model C.mpqc");
    }
    graph = build_quant_graph(build_model(spec));
    validate_policy(policy, graph, path);
    policy_name = path;
  } else {
    const ModelSpec spec = read_model_options(vm);
    graph = build_quant_graph(build_model(spec));
    if (vm.count("fit"))
      return print_fit_table(graph, budget, json, vm["patch"].as<std::string>(), vm["patch-max-overhead"].as<double>(),
                             stream_input, inplace);
    policy = has_policy_option(vm) ? read_policy_options(vm, spec) : uniform_policy(graph, 8, 8);
    const int w = graph.ops.front().has_weights() ? policy.layers.front().w_bits : 8;
    policy_name = "uniform w" + std::to_string(w) + " a" + std::to_string(policy.layers.front().a_bits);
  }
  // The policy was validated where it came in (the file above or read_policy_options).
  const std::vector<rt::OpRecord> records = op_records(graph, op_bits(graph, policy));
  std::vector<std::string> names;
  for (const QOp& op : graph.ops) names.push_back(op.name);
  const std::string patch_text = vm["patch"].as<std::string>();
  const double max_overhead = vm["patch-max-overhead"].as<double>();
  const rt::PatchStage patch = resolve_patch(records, names, patch_text, max_overhead, stream_input, inplace);
  MemoryReport r = memory_report(records, patch, inplace);
  // Beside in-place pairs: the same request without them (auto may pick another stage).
  const rt::PatchStage separate_patch =
      inplace != InplaceKinds::none ? resolve_patch(records, names, patch_text, max_overhead, stream_input) : patch;
  const uint32_t separate_ram = inplace != InplaceKinds::none ? memory_report(records, separate_patch).ram_bytes : r.ram_bytes;
  const CodeBytes code = budget.code.counted() ? code_bytes(budget.code, records) : CodeBytes{};
  count_code(r, records, budget.code);
  const uint32_t unpatched_ram = patch.present() ? memory_report(records, {}, inplace).ram_bytes : r.ram_bytes;
  // Beside a streamed input: the same request with the whole input in the arena (auto may
  // pick another stage there).
  const rt::PatchStage whole_patch =
      stream_input ? resolve_patch(records, names, patch_text, max_overhead, false, inplace) : patch;
  const uint32_t whole_input_ram = stream_input ? memory_report(records, whole_patch, inplace).ram_bytes : r.ram_bytes;

  if (json) {
    nlohmann::json layers = nlohmann::json::array();
    for (size_t i = 0; i < r.ops.size(); ++i) {
      const OpMemory& m = r.ops[i];
      layers.push_back({{"name", graph.ops[i].name},
                        {"kind", qop_kind_name(graph.ops[i].kind)},
                        {"w_bits", m.weight_bits},
                        {"in_bits", m.input_bits},
                        {"a_bits", m.output_bits},
                        {"weight_bytes", m.weight_bytes},
                        {"param_bytes", m.param_bytes},
                        {"input_bytes", m.input_bytes},
                        {"output_bytes", m.output_bytes},
                        {"scratch_bytes", m.scratch_bytes},
                        {"live_bytes", m.live_bytes},
                        {"arena_top", m.arena_top},
                        {"peak", m.peak}});
    }
    nlohmann::json out = budget_json(budget, r.flash_bytes, r.ram_bytes);
    out["model"] = graph.spec.to_string();
    out["policy"] = policy_name;
    out["flash_bytes"] = r.flash_bytes;
    out["model_flash_bytes"] = r.model_flash_bytes;
    out["code_flash_bytes"] = r.code_flash_bytes;
    out["code"] = budget.code.counted() ? nlohmann::json{{"runtime_bytes", code.runtime_bytes},
                                                         {"variant_bytes", code.variant_bytes},
                                                         {"table_bytes", code.table_bytes},
                                                         {"library_bytes", code.library_bytes},
                                                         {"variants", code.variant_count},
                                                         {"unshared_variant_bytes", code.unshared_variant_bytes}}
                                        : nlohmann::json(nullptr);
    out["ram_bytes"] = r.ram_bytes;
    out["fixed_flash_bytes"] = r.fixed_flash_bytes;
    out["input_bytes"] = r.input_bytes;
    out["ram_lower_bound"] = r.ram_lower_bound;
    out["naive_ram_bytes"] = r.naive_ram_bytes;
    out["peak_layer"] = r.peak_op >= 0 ? graph.ops[static_cast<size_t>(r.peak_op)].name : "";
    out["macs"] = r.macs;
    out["patched_macs"] = r.patched_macs;
    out["unpatched_ram_bytes"] = unpatched_ram;
    out["patch"] = patch.present() ? nlohmann::json{{"first_op", patch.first_op},
                                                    {"last_op", graph.ops[patch.end_op() - 1u].name},
                                                    {"op_count", patch.op_count},
                                                    {"grid", patch.grid},
                                                    {"stream_input", patch.stream_input}}
                                   : nlohmann::json(nullptr);
    out["whole_input_ram_bytes"] = whole_input_ram;
    out["inplace_depthwise"] = inplace != InplaceKinds::none;  // depthwise pairs (also with all)
    out["inplace"] = inplace_option_word(inplace);
    out["separate_ram_bytes"] = separate_ram;
    out["layers"] = layers;
    std::cout << out.dump(2) << "\n";
    return 0;
  }

  std::printf("%s, policy %s, board %s\n", graph.spec.to_string().c_str(), policy_name.c_str(), budget.source.c_str());
  std::printf("%-4s %-28s %-9s %2s %2s %10s %8s %10s %10s %8s %10s\n", "op", "name", "kind", "w", "a", "weights B",
              "params B", "input B", "output B", "scratch", "live B");
  for (size_t i = 0; i < r.ops.size(); ++i) {
    const OpMemory& m = r.ops[i];
    std::printf("%-4zu %-28s %-9s %2s %2d %10u %8u %10u %10u %8u %10u%s\n", i, graph.ops[i].name.c_str(),
                qop_kind_name(graph.ops[i].kind),
                m.weight_bits ? std::to_string(m.weight_bits).c_str() : "-", m.output_bits, m.weight_bytes,
                m.param_bytes, m.input_bytes, m.output_bytes, m.scratch_bytes, m.live_bytes, m.peak ? " *" : "");
  }
  std::printf("(header + input table + input buffer record: %u B; * = step at the top of the arena)\n",
              r.fixed_flash_bytes);
  const uint64_t flash_total = r.flash_bytes + budget.application_flash;
  const uint64_t ram_total = r.ram_bytes + budget.application_ram;
  if (budget.code.counted())
    std::printf("code (%s): runtime %s B + %u kernel variants %s B (%s B unshared) + kernel table %s B = %s B; of "
                "it libgcc and C library %s B\n",
                budget.code.text().c_str(), grouped(code.runtime_bytes).c_str(), code.variant_count,
                grouped(code.variant_bytes).c_str(), grouped(code.unshared_variant_bytes).c_str(),
                grouped(code.table_bytes).c_str(), grouped(code.total()).c_str(), grouped(code.library_bytes).c_str());
  else
    std::printf("code not counted (%s): FLASH is the blob alone\n", budget.code_note.c_str());
  std::printf("FLASH %s B (%s)", grouped(r.flash_bytes).c_str(), format_bytes(r.flash_bytes).c_str());
  if (budget.code.counted())
    std::printf(" = blob %s B + code %s B", grouped(r.model_flash_bytes).c_str(), grouped(r.code_flash_bytes).c_str());
  if (budget.application_flash)
    std::printf(" + application %s = %s", format_bytes(budget.application_flash).c_str(), format_bytes(flash_total).c_str());
  std::printf("; budget %s: %s\n", format_bytes(budget.flash).c_str(), verdict(r.flash_bytes, budget.flash).c_str());
  std::printf("RAM   %s B (%s)", grouped(r.ram_bytes).c_str(), format_bytes(r.ram_bytes).c_str());
  if (budget.application_ram)
    std::printf(" + application %s = %s", format_bytes(budget.application_ram).c_str(), format_bytes(ram_total).c_str());
  std::printf("; budget %s: %s\n", format_bytes(budget.ram).c_str(), verdict(r.ram_bytes, budget.ram).c_str());
  std::printf("RAM peak at %s; naive max(input + output) %s B, lower bound of any placement %s B\n",
              r.peak_op >= 0 ? graph.ops[static_cast<size_t>(r.peak_op)].name.c_str() : "-", grouped(r.naive_ram_bytes).c_str(),
              grouped(r.ram_lower_bound).c_str());
  if (patch.present())
    std::printf("patch stage: ops 0..%u (through %s) on a %ux%u grid: RAM %s B instead of %s B; MACs %s, %+.1f%% "
                "against %s layer by layer\n",
                patch.end_op() - 1u, graph.ops[patch.end_op() - 1u].name.c_str(), patch.grid, patch.grid,
                grouped(r.ram_bytes).c_str(), grouped(unpatched_ram).c_str(), grouped(r.patched_macs).c_str(),
                100.0 * static_cast<double>(r.patched_macs - r.macs) / static_cast<double>(r.macs),
                grouped(r.macs).c_str());
  if (patch.stream_input) {
    std::printf("input streamed (--patch-input stream): RAM %s B; with the whole input in the arena %s B", grouped(r.ram_bytes).c_str(),
                grouped(whole_input_ram).c_str());
    if (whole_patch.present())
      std::printf(" (stage through %s on a %ux%u grid)", graph.ops[whole_patch.end_op() - 1u].name.c_str(),
                  whole_patch.grid, whole_patch.grid);
    std::printf(", %.2fx; layer by layer %s B, %.2fx\n",
                static_cast<double>(whole_input_ram) / static_cast<double>(r.ram_bytes), grouped(unpatched_ram).c_str(),
                static_cast<double>(unpatched_ram) / static_cast<double>(r.ram_bytes));
  }
  if (inplace != InplaceKinds::none) {
    std::printf("in-place %s (--inplace %s): RAM %s B; with separate buffers %s B",
                inplace == InplaceKinds::all ? "depthwise and pointwise" : "depthwise", inplace_option_word(inplace),
                grouped(r.ram_bytes).c_str(), grouped(separate_ram).c_str());
    if (separate_patch.present())
      std::printf(" (stage through %s on a %ux%u grid)", graph.ops[separate_patch.end_op() - 1u].name.c_str(),
                  separate_patch.grid, separate_patch.grid);
    std::printf(", %.2fx\n", static_cast<double>(separate_ram) / static_cast<double>(r.ram_bytes));
  }
  if (!patch.present())
    std::printf("MACs %s (no patch stage)\n", grouped(r.macs).c_str());
  std::printf("%s\n", r.flash_bytes <= budget.flash && r.ram_bytes <= budget.ram ? "fits" : "does not fit");
  return 0;
}

}  // namespace mpq::cli
