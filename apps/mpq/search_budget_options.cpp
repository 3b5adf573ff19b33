// `mpq search`'s budget options read into a MemoryBudget.
#include "search_budget_options.hpp"

#include "cli.hpp"
#include "libmpq/mcu/board.hpp"
#include "libmpq/mcu/byte_size.hpp"
#include "libmpq/mcu/code_size.hpp"
#include "libmpq/mcu/patch_plan.hpp"

namespace mpq::cli {

namespace {

// The built-in default budget: for the default model, uniform 8-bit fits neither FLASH
// (241 KiB) nor RAM (24 KiB), of the uniform policies only w2a2 fits, and no shrunk 8-bit
// model fits (docs/search.md, "The default budget").
constexpr const char* kDefaultFlash = "112KiB";
constexpr const char* kDefaultRam = "12KiB";

}  // namespace

MemoryBudget read_search_budget(const po::variables_map& vm) {
  MemoryBudget b;
  b.weights_only = vm.count("weights-only") > 0;
  if (b.weights_only && !vm.count("board")) {
    // FLASH only; a RAM budget only when asked for (check_budget_feasible refuses one the
    // 8-bit arena exceeds).
    b.flash = size_option(vm, "flash", kDefaultFlash);
    b.ram = vm.count("ram") ? size_option(vm, "ram", "") : kNoRamBudget;
    b.source = "--flash " + (vm.count("flash") ? vm["flash"].as<std::string>() : kDefaultFlash) +
               (vm.count("ram") ? " --ram " + vm["ram"].as<std::string>() : std::string());
    return b;
  }
  if (vm.count("board")) {
    const Board board = find_board(vm["board"].as<std::string>());
    b.flash = board.flash_budget();
    b.ram = board.ram_budget();
    b.source = board.name;
    // A board's FLASH holds libmpq_fw's code beside the blob (mpq memory --board counts
    // the same); --code none budgets the blob alone.
    const std::string code = vm["code"].as<std::string>();
    if (code != "none" && vm["code"].defaulted() && !code_sizes_measured()) {
      // As mpq memory --board: the default counts code where this mpq measured it.
      b.source += " (code not counted: this mpq was built without arm-none-eabi-g++)";
    } else if (code != "none") {
      b.code = {board.core, parse_optimization_level(code, "--code")};
      try {
        code_bytes(b.code, std::vector<std::string>{});
      } catch (const Error& e) {
        throw UsageError("--board " + board.name + ": " + e.what());
      }
      b.source += " (code " + b.code.text() + ")";
    }
  } else {
    b.flash = size_option(vm, "flash", kDefaultFlash);
    b.ram = size_option(vm, "ram", kDefaultRam);
    b.source = "--flash " + (vm.count("flash") ? vm["flash"].as<std::string>() : kDefaultFlash) + " --ram " +
               (vm.count("ram") ? vm["ram"].as<std::string>() : kDefaultRam);
    return b;
  }
  if (vm.count("flash")) {
    b.flash = size_option(vm, "flash", "");
    b.source += " --flash " + vm["flash"].as<std::string>();
  }
  if (vm.count("ram")) {
    b.ram = size_option(vm, "ram", "");
    b.source += " --ram " + vm["ram"].as<std::string>();
  }
  return b;
}

bool read_patch_input(const std::string& text, const std::optional<std::string>& patch) {
  try {
    const bool stream_input = parse_patch_input(text);
    if (patch) check_patch_input(*patch, stream_input);
    return stream_input;
  } catch (const Error& e) {
    throw UsageError(e.what());
  }
}

InplaceKinds read_inplace(const std::string& text) {
  try {
    return parse_inplace_option(text);
  } catch (const Error& e) {
    throw UsageError(e.what());
  }
}

PatchSetting read_patch_setting(const po::variables_map& vm) {
  PatchSetting patch;
  patch.request = vm["patch"].as<std::string>();
  patch.max_overhead = vm["patch-max-overhead"].as<double>();
  if (!(patch.max_overhead >= 0)) throw UsageError("--patch-max-overhead: expected a fraction >= 0");
  patch.stream_input = read_patch_input(vm["patch-input"].as<std::string>(), patch.request);
  patch.inplace = read_inplace(vm["inplace"].as<std::string>());
  return patch;
}

std::string patch_text(const PatchSetting& patch) {
  std::string text = patch.enabled() ? " --patch " + patch.request : std::string();
  if (patch.stream_input) text += " --patch-input stream";
  if (patch.inplace != InplaceKinds::none) text += std::string(" --inplace ") + inplace_option_word(patch.inplace);
  return text.empty() ? text : " with" + text;
}

}  // namespace mpq::cli
