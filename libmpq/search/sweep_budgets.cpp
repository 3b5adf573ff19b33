#include "libmpq/search/sweep_budgets.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "libmpq/core/error.hpp"
#include "libmpq/mcu/byte_size.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/search/baselines.hpp"

namespace mpq {

namespace {

constexpr uint64_t kGridStep = 256;   // grid budgets are whole quarters of a KiB
constexpr double kNearlyFits = 0.95;  // the grid's last budget, relative to uniform 8 bits

// Exact and short: KiB with up to two decimals when a multiple of 256 B, else bytes.
std::string compact_bytes(uint64_t bytes) {
  if (bytes % kGridStep != 0 || bytes == 0) return std::to_string(bytes) + "B";
  char text[48];
  std::snprintf(text, sizeof text, "%.2f", static_cast<double>(bytes) / 1024.0);
  std::string s = text;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s + "KiB";
}

std::string trimmed(const std::string& s) {
  const size_t a = s.find_first_not_of(' '), b = s.find_last_not_of(' ');
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

uint64_t round_up(double bytes) {
  return static_cast<uint64_t>(std::ceil(bytes / static_cast<double>(kGridStep))) * kGridStep;
}

// Where on the grid's path (0: tightest, 1: nearly uniform 8 bits) `need` first fits.
double path_position(double need, double lo, double hi) {
  if (need <= lo) return 0;
  if (hi <= lo) return std::numeric_limits<double>::infinity();
  return std::log(need / lo) / std::log(hi / lo);
}

bool shrunk_fits(const std::vector<Shrunk8bitCandidate>& candidates, const MemoryBudget& b) {
  for (const auto& c : candidates)
    if (c.fits(b.flash, b.ram)) return true;
  return false;
}

}  // namespace

std::string budget_text(const MemoryBudget& b) {
  return compact_bytes(b.flash) + (b.ram == kNoRamBudget ? "" : "/" + compact_bytes(b.ram));
}

std::string budget_folder_name(const MemoryBudget& b) {
  std::string s = budget_text(b);
  std::replace(s.begin(), s.end(), '/', '_');
  return s;
}

std::vector<MemoryBudget> parse_sweep_budgets(const std::string& text, bool weights_only) {
  const std::string example = weights_only ? "e.g. '96KiB,128KiB' or '96KiB/32KiB,128KiB/32KiB'"
                                           : "e.g. '96KiB/12KiB,128KiB/16KiB'";
  std::vector<MemoryBudget> out;
  size_t start = 0;
  for (;;) {
    const size_t comma = text.find(',', start);
    const std::string item = trimmed(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    const std::string where = "--budgets '" + text + "': item '" + item + "'";
    require(!item.empty(), "--budgets '" + text + "': an empty item (expected a comma-separated list of FLASH/RAM, " +
                               example + ")");
    const size_t slash = item.find('/');
    require(slash != std::string::npos || weights_only,
            where + ": expected FLASH/RAM, " + example + " (without --weights-only every budget has a RAM part)");
    require(slash == std::string::npos || item.find('/', slash + 1) == std::string::npos,
            where + ": expected one '/' between FLASH and RAM, " + example);
    MemoryBudget b;
    b.weights_only = weights_only;
    b.flash = parse_byte_size(trimmed(item.substr(0, slash)), where + ": FLASH");
    b.ram = slash == std::string::npos ? kNoRamBudget : parse_byte_size(trimmed(item.substr(slash + 1)), where + ": RAM");
    require(b.flash > 0 && b.ram > 0, where + ": a budget of 0 bytes fits nothing");
    b.source = budget_text(b);
    for (const auto& seen : out)
      require(seen.flash != b.flash || seen.ram != b.ram, where + ": the same budget as '" + seen.source + "'");
    out.push_back(b);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

SweepGrid default_sweep_grid(const ModelSpec& spec, bool weights_only, int count, const PatchSetting& patch,
                             const CodeTarget& code) {
  require(count >= 2, "sweep grid: at least 2 budgets expected");
  Model model = build_model(spec, 1);
  const QuantGraph graph = build_quant_graph(model);
  // What every budget's check counts: RAM with `patch` (the stage of least RAM here; none
  // without a RAM budget, weight-only, where it would only add FLASH), FLASH with `code`.
  MemoryBudget checked;
  checked.ram = weights_only ? kNoRamBudget : 0;
  checked.patch = patch;
  checked.code = code;
  const MemoryReport least = budget_memory(graph, uniform_policy(graph, 2, weights_only ? 8 : 2), checked);
  const MemoryReport full = budget_memory(graph, uniform_policy(graph, 8, 8), checked);
  const double flash_lo = least.flash_bytes, ram_lo = least.ram_bytes;
  const double flash_hi = std::max(flash_lo, kNearlyFits * full.flash_bytes);
  const double ram_hi = std::max(ram_lo, kNearlyFits * full.ram_bytes);
  auto budget_at = [&](double t) {
    MemoryBudget b;
    b.weights_only = weights_only;
    b.flash = round_up(flash_lo * std::pow(flash_hi / flash_lo, t));
    b.ram = weights_only ? kNoRamBudget : round_up(ram_lo * std::pow(ram_hi / ram_lo, t));
    b.source = budget_text(b);
    b.patch = patch;
    b.code = code;
    return b;
  };
  const auto candidates = shrunk_8bit_candidates(spec, shrunk_input_sizes(spec), patch, code);
  double first_fit = std::numeric_limits<double>::infinity();  // where a shrunk model first fits
  auto position = [&](uint32_t flash, uint32_t ram) {
    return std::max(path_position(flash, flash_lo, flash_hi), weights_only ? 0.0 : path_position(ram, ram_lo, ram_hi));
  };
  for (const auto& c : candidates)  // layer by layer or with its stage, whichever fits first
    first_fit = std::min({first_fit, position(c.flash, c.ram), position(c.patched_flash, c.patched_ram)});
  std::vector<double> positions;
  for (int i = 0; i < count; ++i) positions.push_back(static_cast<double>(i) / (count - 1));
  const int upper = (count + 1) / 2;
  auto fitting = [&](const std::vector<double>& ts) {
    int n = 0;
    for (double t : ts) n += shrunk_fits(candidates, budget_at(t));
    return n;
  };
  if (fitting(positions) < upper && first_fit <= 1) {
    // Bend: the lower points below the first fit, the upper half from it to the end.
    positions.clear();
    const int lower = count - upper;
    for (int i = 0; i < lower; ++i) positions.push_back(first_fit * i / lower);
    for (int j = 0; j < upper; ++j) positions.push_back(first_fit + (1 - first_fit) * j / std::max(1, upper - 1));
  }
  SweepGrid grid;
  for (double t : positions) {
    MemoryBudget b = budget_at(t);
    if (!grid.budgets.empty() && grid.budgets.back().flash == b.flash && grid.budgets.back().ram == b.ram) continue;
    grid.shrunk_fits += shrunk_fits(candidates, b);
    grid.budgets.push_back(b);
  }
  grid.note = "a shrunk 8-bit model fits at " + std::to_string(grid.shrunk_fits) + " of the " +
              std::to_string(grid.budgets.size()) + " budgets";
  if (first_fit > 1)
    grid.note += ": none fits below " + std::to_string(static_cast<int>(kNearlyFits * 100)) +
                 " % of uniform 8 bits' memory (FLASH " + std::to_string(full.flash_bytes) + " B, RAM " +
                 std::to_string(full.ram_bytes) + " B)";
  return grid;
}

}  // namespace mpq
