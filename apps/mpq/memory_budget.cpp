#include "memory_budget.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "cli.hpp"
#include "libmpq/mcu/board.hpp"
#include "libmpq/mcu/byte_size.hpp"
#include "libmpq/mcu/memory_model.hpp"
#include "libmpq/mcu/patch_plan.hpp"
#include "libmpq/quant/op_records.hpp"
#include "policy_options.hpp"

namespace mpq::cli {

Budget read_budget(const po::variables_map& vm) {
  Budget b;
  const std::string name = vm["board"].as<std::string>();
  const std::vector<std::string> known = board_names();
  const bool is_path = name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0;
  if (!is_path && std::find(known.begin(), known.end(), name) == known.end()) {
    try {
      find_board(name);  // for its message listing the known boards
    } catch (const Error& e) {
      throw UsageError(std::string("--board: ") + e.what());
    }
  }
  const Board board = find_board(name);
  b.source = board.name + " (" + board.core + ")";
  b.flash = board.flash_budget();
  b.ram = board.ram_budget();
  b.application_flash = board.application_flash;
  b.application_ram = board.application_ram;
  if (vm.count("flash")) {
    b.flash = size_option(vm, "flash");
    b.application_flash = 0;
    b.source += ", --flash " + vm["flash"].as<std::string>();
  }
  if (vm.count("ram")) {
    b.ram = size_option(vm, "ram");
    b.application_ram = 0;
    b.source += ", --ram " + vm["ram"].as<std::string>();
  }
  // Code: with a board's budget (or --cpu, or a level given to --code, or --board named
  // beside --flash, as mpq search --board B --flash F counts it), libmpq_fw's measured
  // code for the board's core (or --cpu) at --code's level (auto: -O3, the default
  // build's). --flash alone budgets the blob, as hosts and tests need.
  const std::string code = vm["code"].as<std::string>();
  if (code == "none") {
    b.code_note = "--code none";
    return b;
  }
  // A level or a core given asks for code: an unmeasured one is an error. A board alone
  // counts code where this mpq measured it, as mpq search does.
  const bool asked = code != "auto" || vm.count("cpu") > 0;
  if (!asked && vm["board"].defaulted() && vm.count("flash")) {
    b.code_note = "--flash without --cpu or --code";
    return b;
  }
  if (!asked && !code_sizes_measured()) {
    b.code_note = "this mpq was built without arm-none-eabi-g++ (meson option code_size)";
    return b;
  }
  try {
    b.code.cpu = vm.count("cpu") ? vm["cpu"].as<std::string>() : board.core;
    b.code.optimization = code == "auto" ? "3" : parse_optimization_level(code, "--code");
    code_bytes(b.code, std::vector<std::string>{});  // a target that was measured
  } catch (const Error& e) {
    throw UsageError(std::string(vm.count("cpu") || code != "auto" ? "" : "board " + board.name + ": ") + e.what());
  }
  return b;
}

std::string grouped(uint64_t v) {
  std::string digits = std::to_string(v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string verdict(uint64_t used, uint64_t budget) {
  return used <= budget ? "fits, " + format_bytes(budget - used) + " (" + grouped(budget - used) + " B) to spare"
                        : "DOES NOT FIT, over by " + format_bytes(used - budget) + " (" + grouped(used - budget) + " B)";
}

nlohmann::json budget_json(const Budget& b, uint64_t flash, uint64_t ram) {
  return {{"board", b.source},
          {"flash_budget", b.flash},
          {"ram_budget", b.ram},
          {"application_flash", b.application_flash},
          {"application_ram", b.application_ram},
          {"code_target", b.code.counted() ? nlohmann::json(b.code.text()) : nlohmann::json(nullptr)},
          {"flash_fits", flash <= b.flash},
          {"ram_fits", ram <= b.ram},
          {"fits", flash <= b.flash && ram <= b.ram},
          {"flash_margin", static_cast<int64_t>(b.flash) - static_cast<int64_t>(flash)},
          {"ram_margin", static_cast<int64_t>(b.ram) - static_cast<int64_t>(ram)}};
}

namespace {
std::string pad_left(const std::string& s, size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}
}  // namespace

// With --patch, each policy's RAM with the stage the request resolves to for it where its
// arena is over the RAM budget layer by layer, as mpq search checks it: elsewhere a stage
// would only add its records' FLASH. With `inplace`, every arena with in-place pairs of
// those kinds (as mpq search --inplace checks it), and the separate-buffer RAM beside.
int print_fit_table(const QuantGraph& graph, const Budget& budget, bool json, const std::string& patch_request,
                    double max_overhead, bool stream_input, InplaceKinds inplace) {
  std::vector<std::string> names;
  for (const QOp& op : graph.ops) names.push_back(op.name);
  auto checked = [&](const std::vector<rt::OpRecord>& records, InplaceKinds pairs) {
    const MemoryReport plain = memory_report(records, {}, pairs);
    if (plain.ram_bytes <= budget.ram) return plain;
    return memory_report(records, resolve_patch(records, names, patch_request, max_overhead, stream_input, pairs),
                         pairs);
  };
  nlohmann::json rows = nlohmann::json::array();
  for (int w : {8, 4, 2})
    for (int a : {8, 4, 2}) {
      const std::vector<rt::OpRecord> records = op_records(graph, op_bits(graph, uniform_policy(graph, w, a)));
      MemoryReport r = checked(records, inplace);
      count_code(r, records, budget.code);
      rows.push_back({{"w_bits", w},
                      {"a_bits", a},
                      {"flash_bytes", r.flash_bytes},
                      {"model_flash_bytes", r.model_flash_bytes},
                      {"code_flash_bytes", r.code_flash_bytes},
                      {"ram_bytes", r.ram_bytes},
                      {"unpatched_ram_bytes",
                       r.patch.present() ? memory_report(records, {}, inplace).ram_bytes : r.ram_bytes},
                      {"inplace_depthwise", inplace != InplaceKinds::none},
                      {"inplace", inplace_option_word(inplace)},
                      {"separate_ram_bytes",
                       inplace != InplaceKinds::none ? checked(records, InplaceKinds::none).ram_bytes : r.ram_bytes},
                      {"patch", r.patch.present() ? nlohmann::json(patch_request_text(r.patch))
                                                  : nlohmann::json(nullptr)},
                      {"stream_input", r.patch.stream_input},
                      {"mac_overhead", static_cast<double>(r.patched_macs) / static_cast<double>(r.macs) - 1.0},
                      {"flash_fits", r.flash_bytes <= budget.flash},
                      {"ram_fits", r.ram_bytes <= budget.ram},
                      {"fits", r.flash_bytes <= budget.flash && r.ram_bytes <= budget.ram}});
    }
  if (json) {
    nlohmann::json out = budget_json(budget, 0, 0);
    for (const char* k : {"flash_fits", "ram_fits", "fits", "flash_margin", "ram_margin"}) out.erase(k);
    out["model"] = graph.spec.to_string();
    out["policies"] = rows;
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::printf("%s on %s: FLASH budget %s (%s B), RAM budget %s (%s B); FLASH counts %s\n",
              graph.spec.to_string().c_str(), budget.source.c_str(), format_bytes(budget.flash).c_str(),
              grouped(budget.flash).c_str(), format_bytes(budget.ram).c_str(), grouped(budget.ram).c_str(),
              (budget.code.counted() ? "blob + code (" + budget.code.text() + ")" : "the blob alone (" + budget.code_note + ")").c_str());
  if (inplace != InplaceKinds::none)
    std::printf("RAM with in-place %s pairs (--inplace %s); separate B: with separate buffers\n",
                inplace == InplaceKinds::all ? "depthwise and pointwise" : "depthwise", inplace_option_word(inplace));
  std::printf("%-8s %14s %12s %14s %12s %14s%s %7s %7s  %s\n", "policy", "FLASH B", "FLASH", "RAM B", "RAM",
              "unpatched B", inplace != InplaceKinds::none ? "     separate B" : "", "stage", "MACs", "fits");
  for (const auto& row : rows) {
    const std::string name = "w" + std::to_string(row["w_bits"].get<int>()) + "a" + std::to_string(row["a_bits"].get<int>());
    const uint64_t f = row["flash_bytes"], m = row["ram_bytes"];
    std::string fits = row["fits"].get<bool>() ? "yes" : "no";
    if (!row["flash_fits"].get<bool>()) fits += " (FLASH)";
    if (!row["ram_fits"].get<bool>()) fits += " (RAM)";
    const uint64_t u = row["unpatched_ram_bytes"];
    std::string stage = row["patch"].is_null() ? "none" : row["patch"].get<std::string>();
    if (row["stream_input"].get<bool>()) stage += "s";  // the input streamed
    const std::string separate = inplace != InplaceKinds::none ? " " + pad_left(grouped(row["separate_ram_bytes"].get<uint64_t>()), 14) : "";
    std::printf("%-8s %14s %12s %14s %12s %14s%s %7s %+6.1f%%  %s\n", name.c_str(), grouped(f).c_str(),
                format_bytes(f).c_str(), grouped(m).c_str(), format_bytes(m).c_str(), grouped(u).c_str(),
                separate.c_str(), stage.c_str(), 100 * row["mac_overhead"].get<double>(), fits.c_str());
  }
  return 0;
}

}  // namespace mpq::cli
