#include "libmpq/search/sweep_report.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "libmpq/core/error.hpp"
#include "libmpq/core/json_number.hpp"
#include "libmpq/mcu/byte_size.hpp"
#include "libmpq/mcu/patch_plan.hpp"
#include "libmpq/search/svg_chart.hpp"
#include "libmpq/search/sweep_budgets.hpp"

namespace mpq {

namespace {

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

bool any_note(const SweepEntry& e, const std::string& prefix) {
  for (const auto& n : e.notes)
    if (starts_with(n, prefix)) return true;
  return false;
}

const FinalResult* best_of(const SweepEntry& e, const std::string& prefix) {
  const FinalResult* best = nullptr;
  for (const auto& r : e.results)
    if (starts_with(r.name, prefix) && (!best || r.test_mean() > best->test_mean())) best = &r;
  return best;
}

std::string pct(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f %%", 100 * v);
  return b;
}

std::string points(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%+.2f", 100 * v);
  return b;
}

std::string ram_text(const MemoryBudget& b) { return b.ram == kNoRamBudget ? "not enforced" : format_bytes(b.ram); }

// Whose code the budgets' FLASH counts beside the blob ("none": the blob alone): every
// search of a sweep ran with the same.
std::string code_text(const std::vector<SweepEntry>& entries) {
  return entries.empty() ? "none" : entries.front().budget.code.text();
}
std::string flash_budget_column(const std::vector<SweepEntry>& entries) {
  return code_text(entries) == "none" ? "FLASH budget" : "FLASH budget (model + code)";
}

std::vector<SweepMethod> methods(bool weights_only) {
  std::vector<SweepMethod> out{SweepMethod::searched, SweepMethod::rule_based, SweepMethod::random,
                               SweepMethod::best_uniform, SweepMethod::shrunk};
  if (weights_only) out.push_back(SweepMethod::kmeans);
  return out;
}

}  // namespace

const char* sweep_method_name(SweepMethod m) {
  switch (m) {
    case SweepMethod::searched: return "searched (DDPG)";
    case SweepMethod::rule_based: return "rule-based";
    case SweepMethod::random: return "random search";
    case SweepMethod::best_uniform: return "best fitting uniform";
    case SweepMethod::shrunk: return "shrunk 8-bit model";
    case SweepMethod::kmeans: return "k-means (not integer-deployable)";
  }
  return "";
}

SweepEntry read_sweep_entry(const MemoryBudget& budget, const std::string& folder, const std::string& text,
                            const std::string& what) {
  SweepEntry e;
  e.budget = budget;
  e.folder = folder;
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    e.model = j.at("model").get<std::string>();
    e.float_test_accuracy = j.at("float_test_accuracy").get<double>();
    e.final_epochs = json_whole_number(j.at("final_epochs"), "final_epochs", 0, 1 << 20, "report");
    e.final_seeds = json_whole_number(j.at("final_seeds"), "final_seeds", 0, 1 << 20, "report");
    e.notes = j.at("notes").get<std::vector<std::string>>();
    for (const auto& r : j.at("results")) {
      FinalResult row;
      row.name = r.at("name").get<std::string>();
      row.model = r.at("model").get<std::string>();
      row.bits = r.at("bits").get<std::string>();
      // Byte counts as whole numbers in range: get<uint32_t>() of 1e34 is undefined behaviour.
      const auto bytes = [&](const char* key) {
        return static_cast<uint32_t>(json_whole_number(r.at(key), key, 0, UINT32_MAX, "result " + row.name));
      };
      row.flash = bytes("flash_bytes");
      // Reports before code was counted: the blob alone.
      row.code_flash = r.contains("code_flash_bytes") ? bytes("code_flash_bytes") : 0u;
      require(row.code_flash <= row.flash, "code_flash_bytes over flash_bytes");
      row.model_flash = r.contains("model_flash_bytes") ? bytes("model_flash_bytes") : row.flash - row.code_flash;
      row.ram = bytes("ram_bytes");
      row.search_accuracy = r.at("search_accuracy").get<double>();
      row.val_runs = r.at("val_runs").get<std::vector<double>>();
      row.test_runs = r.at("test_runs").get<std::vector<double>>();
      require(!row.test_runs.empty(), "a result without test runs");
      e.results.push_back(row);
    }
  } catch (const nlohmann::json::exception& x) {
    throw Error(what + ": not a search report (" + x.what() + ")");
  } catch (const Error& x) {
    throw Error(what + ": not a search report (" + x.what() + ")");
  }
  return e;
}

SweepCell sweep_cell(const SweepEntry& e, SweepMethod m) {
  SweepCell c;
  switch (m) {
    case SweepMethod::searched:
      c.row = best_of(e, "searched");
      break;
    case SweepMethod::rule_based:
      c.row = best_of(e, "rule-based");
      break;
    case SweepMethod::random:
      c.row = best_of(e, "random search");
      if (!c.row) c.absent = "not run";
      break;
    case SweepMethod::best_uniform:
      c.row = best_of(e, "uniform ");
      if (!c.row) c.absent = "none fits";
      break;
    case SweepMethod::shrunk:
      c.row = best_of(e, "shrunk");
      if (!c.row) c.absent = any_note(e, "shrunk 8-bit baseline:") ? "does not fit" : "not run";
      break;
    case SweepMethod::kmeans:
      c.row = best_of(e, "k-means");
      if (!c.row) c.absent = any_note(e, "no k-means policy fits") ? "does not fit" : "not run";
      break;
  }
  if (!c.row && c.absent.empty()) c.absent = "missing";
  return c;
}

std::string sweep_markdown(const std::vector<SweepEntry>& entries, bool weights_only) {
  std::string o = "# Accuracy against memory: mpq sweep\n\n";
  if (!entries.empty()) {
    const SweepEntry& f = entries.front();
    o += "- model: " + f.model + "; float model: test " + pct(f.float_test_accuracy) + "\n";
    o += "- " + std::to_string(entries.size()) + " budgets" +
         (weights_only ? ", weight-only (activations 8-bit, the agent chooses weight bits under FLASH)" : "") +
         "; at each, `mpq search` with every baseline (its report: <budget>/report.md)\n";
    o += "- test accuracy: mean ± sample standard deviation of " + std::to_string(f.final_seeds) +
         " final fine-tune" + (f.final_seeds == 1 ? "" : "s") + " of " + std::to_string(f.final_epochs) + " epoch" +
         (f.final_epochs == 1 ? "" : "s") + " (seeds 1.." + std::to_string(f.final_seeds) +
         "), the same for every policy; under it the FLASH and RAM the policy uses\n";
    o += code_text(entries) == "none"
             ? std::string("- FLASH: the model blob alone, budgets and policies\n")
             : "- FLASH: the model blob plus libmpq_fw's code for " + code_text(entries) +
                   " (runtime, the policy's kernel variants, its kernel table), budgets and policies alike, as each "
                   "search checked it and `mpq memory --board` prints it\n";
    if (f.budget.patch.enabled())
      o += "- RAM with a patch stage: every search ran with `--patch " + f.budget.patch.request +
           (f.budget.patch.stream_input ? " --patch-input stream" : "") +
           "` (MAC overhead at most " + pct(f.budget.patch.max_overhead) +
           " with auto), so a policy's RAM is its arena with its stage (each budget's report.md names the stages)\n";
    if (f.budget.patch.inplace != InplaceKinds::none)
      o += std::string("- RAM with in-place pairs: every search ran with `--inplace ") +
           inplace_option_word(f.budget.patch.inplace) + "`, so a policy's RAM is its "
           "arena with the in-place pairs that lower it (each budget's report.md gives the separate-buffer RAM)\n";
    o += "\n";
  }
  const auto ms = methods(weights_only);
  o += "| " + flash_budget_column(entries) + " | RAM budget |";
  for (SweepMethod m : ms) o += std::string(" ") + sweep_method_name(m) + " |";
  o += "\n|---:|---:|";
  for (size_t i = 0; i < ms.size(); ++i) o += "---:|";
  o += "\n";
  for (const auto& e : entries) {
    o += "| " + format_bytes(e.budget.flash) + " | " + ram_text(e.budget) + " |";
    for (SweepMethod m : ms) {
      const SweepCell c = sweep_cell(e, m);
      if (!c.row) {
        o += " " + c.absent + " |";
        continue;
      }
      char std_text[32];
      std::snprintf(std_text, sizeof std_text, "%.2f", 100 * c.row->test_std());
      o += " " + pct(c.row->test_mean()) + " ± " + std_text + "<br>" + format_bytes(c.row->flash) + " / " +
           format_bytes(c.row->ram);
      if (m == SweepMethod::best_uniform || m == SweepMethod::kmeans || m == SweepMethod::shrunk)
        o += "<br>" + (m == SweepMethod::shrunk ? c.row->model : c.row->name);
      o += " |";
    }
    o += "\n";
  }
  // The searched policy's margins, in test accuracy points (means).
  o += "\nThe searched policy's margin over each baseline (points of mean test accuracy; \"-\" where the baseline "
       "does not fit or did not run):\n\n| " + flash_budget_column(entries) + " | RAM budget |";
  for (SweepMethod m : ms)
    if (m != SweepMethod::searched) o += std::string(" vs ") + sweep_method_name(m) + " |";
  o += "\n|---:|---:|";
  for (size_t i = 1; i < ms.size(); ++i) o += "---:|";
  o += "\n";
  double differing_sum = 0;
  int differing = 0;
  for (const auto& e : entries) {
    const SweepCell s = sweep_cell(e, SweepMethod::searched);
    o += "| " + format_bytes(e.budget.flash) + " | " + ram_text(e.budget) + " |";
    for (SweepMethod m : ms) {
      if (m == SweepMethod::searched) continue;
      const SweepCell c = sweep_cell(e, m);
      if (!s.row || !c.row) {
        o += " - |";
        continue;
      }
      const bool same = c.row->bits == s.row->bits && c.row->model == s.row->model;
      o += " " + points(s.row->test_mean() - c.row->test_mean()) + (same ? " (same policy)" : "") + " |";
      if (m == SweepMethod::rule_based && !same) {
        differing_sum += s.row->test_mean() - c.row->test_mean();
        ++differing;
      }
    }
    o += "\n";
  }
  o += "\nSearched against rule-based, averaged over the " + std::to_string(differing) +
       " budgets where their policies differ: " + (differing ? points(differing_sum / differing) + " points" : "-") +
       ".\n";
  for (const auto& e : entries)
    for (const auto& n : e.notes) o += (&n == &e.notes.front() ? "\nNotes at " + budget_text(e.budget) + ":\n\n" : "") +
                                        "- " + n + "\n";
  return o;
}

std::string sweep_json(const std::vector<SweepEntry>& entries, bool weights_only) {
  nlohmann::json budgets = nlohmann::json::array();
  for (const auto& e : entries) {
    nlohmann::json cells = nlohmann::json::object();
    for (SweepMethod m : methods(weights_only)) {
      const SweepCell c = sweep_cell(e, m);
      if (!c.row) {
        cells[sweep_method_name(m)] = {{"fits", false}, {"why", c.absent}};
        continue;
      }
      cells[sweep_method_name(m)] = {{"fits", true},           {"policy", c.row->name},
                                     {"model", c.row->model},  {"bits", c.row->bits},
                                     {"flash_bytes", c.row->flash}, {"model_flash_bytes", c.row->model_flash},
                                     {"code_flash_bytes", c.row->code_flash}, {"ram_bytes", c.row->ram},
                                     {"test_accuracy", c.row->test_mean()}, {"test_std", c.row->test_std()},
                                     {"test_runs", c.row->test_runs}};
    }
    budgets.push_back({{"budget", budget_text(e.budget)},
                       {"flash_budget", e.budget.flash},
                       {"ram_budget", e.budget.ram == kNoRamBudget ? nlohmann::json(nullptr) : nlohmann::json(e.budget.ram)},
                       {"folder", e.folder},
                       {"methods", cells},
                       {"notes", e.notes}});
  }
  nlohmann::json j = {{"weights_only", weights_only},
                      {"model", entries.empty() ? "" : entries.front().model},
                      {"float_test_accuracy", entries.empty() ? 0.0 : entries.front().float_test_accuracy},
                      {"final_epochs", entries.empty() ? 0 : entries.front().final_epochs},
                      {"final_seeds", entries.empty() ? 0 : entries.front().final_seeds},
                      {"patch", entries.empty() ? "none" : entries.front().budget.patch.request},
                      {"patch_max_overhead", entries.empty() ? 0.2 : entries.front().budget.patch.max_overhead},
                      {"patch_input", !entries.empty() && entries.front().budget.patch.stream_input ? "stream" : "whole"},
                      {"inplace", inplace_option_word(entries.empty() ? InplaceKinds::none : entries.front().budget.patch.inplace)},
                      {"code_target", code_text(entries) == "none" ? nlohmann::json(nullptr)
                                                                   : nlohmann::json(code_text(entries))},
                      {"budgets", budgets}};
  return j.dump(2) + "\n";
}

std::string sweep_svg(const std::vector<SweepEntry>& entries, bool weights_only) {
  const struct {
    const char* color;
    char marker;
  } style[kSweepMethods] = {{"#d62728", 'd'}, {"#2ca02c", 's'}, {"#ff7f0e", '^'},
                            {"#9467bd", 'o'}, {"#8c564b", 'x'}, {"#17becf", '+'}};
  // A weight-only search does not choose RAM (a board's RAM budget is only checked): no
  // RAM axis.
  const bool with_ram = !weights_only && !entries.empty() && entries.front().budget.ram != kNoRamBudget;
  std::vector<ChartPanel> panels(with_ram ? 2 : 1);
  panels[0].x_label = code_text(entries) == "none" ? "FLASH budget (KiB)" : "FLASH budget, model + code (KiB)";
  if (with_ram) panels[1].x_label = "RAM budget (KiB)";
  double top = 0, bottom = 100;
  for (const auto& e : entries)
    for (SweepMethod m : methods(weights_only)) {
      const SweepCell c = sweep_cell(e, m);
      if (!c.row) continue;
      top = std::max(top, 100 * c.row->test_mean());
      bottom = std::min(bottom, 100 * c.row->test_mean());
    }
  const double floor = std::floor((top - 20) / 5) * 5;  // one collapsed policy must not flatten the rest
  for (size_t p = 0; p < panels.size(); ++p) {
    ChartPanel& panel = panels[p];
    panel.y_label = "test accuracy (%), mean ± std";
    panel.y_floor = floor;
    for (SweepMethod m : methods(weights_only)) {
      ChartSeries s;
      s.name = sweep_method_name(m);
      s.color = style[static_cast<int>(m)].color;
      s.marker = style[static_cast<int>(m)].marker;
      s.size = 4.5;
      s.line = true;
      bool gap = false;
      for (const auto& e : entries) {
        const SweepCell c = sweep_cell(e, m);
        if (!c.row) {
          gap = true;
          continue;
        }
        const double x = (p == 0 ? e.budget.flash : e.budget.ram) / 1024.0;
        s.points.push_back({x, 100 * c.row->test_mean(), 100 * c.row->test_std(), gap});
        gap = false;
      }
      panel.series.push_back(s);
    }
    if (!entries.empty())
      panel.rules.push_back({false, 100 * entries.front().float_test_accuracy,
                             "float model " + pct(entries.front().float_test_accuracy), "#555555"});
  }
  std::string title = entries.empty() ? "mpq sweep" : entries.front().model + (weights_only ? ", weight-only" : "");
  std::vector<std::string> notes{
      "Each point: one budget's search; bars: ± the sample std of the final fine-tunes. A gap: the method does not fit "
      "(or did not run) there; see sweep.md."
  };
  if (bottom < floor) notes.push_back("A down triangle on the bottom axis: a mean below the axis, its value (%) beside it.");
  if (with_ram) notes.push_back("FLASH and RAM budgets grow together: both panels show the same budgets.");
  return svg_chart(title, panels, notes);
}

}  // namespace mpq
