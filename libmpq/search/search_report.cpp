#include "libmpq/search/search_report.hpp"

#include <algorithm>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "libmpq/mcu/byte_size.hpp"
#include "libmpq/mcu/patch_plan.hpp"
#include "libmpq/search/svg_chart.hpp"

namespace mpq {

namespace {
std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}
std::string pct(double v) { return v < 0 ? "-" : fmt("%.2f%%", 100 * v); }

// What a FLASH figure counts: the quantity the budget was checked against.
std::string flash_column(const SearchSummary& s) { return s.code == "none" ? "FLASH (model)" : "FLASH (model + code)"; }

// "91.80% ± 0.21 (91.61, 91.95, 91.83)" with several runs, "91.80%" with one.
std::string pct_runs(const FinalResult& r, const std::vector<double>& runs, double m) {
  if (runs.size() < 2) return pct(m);
  std::string out = pct(m) + (&runs == &r.test_runs ? " ± " + fmt("%.2f", 100 * r.test_std()) : std::string()) + " (";
  for (size_t i = 0; i < runs.size(); ++i) out += (i ? ", " : "") + fmt("%.2f", 100 * runs[i]);
  return out + ")";
}

// report.md's stage column: "none", or "6:4 (conv3)" and ", input streamed" with --patch-input stream.
std::string stage_cell(const FinalResult& r) {
  if (r.patch == "none") return r.patch;
  return r.patch + " (" + r.patch_op + ")" + (r.patch_stream ? ", input streamed" : "");
}
}  // namespace

std::string episodes_csv(const std::vector<EpisodeRecord>& records) {
  std::string out = "episode,phase,bits,flash_bytes,ram_bytes,reward,accuracy,seconds\n";
  for (const auto& r : records)
    out += std::to_string(r.episode) + "," + r.phase + ",\"" + r.bits + "\"," + std::to_string(r.flash) + "," +
           std::to_string(r.ram) + "," + fmt("%.6f", r.reward) + "," + fmt("%.6f", r.accuracy) + "," +
           fmt("%.3f", r.seconds) + "\n";
  return out;
}

std::string report_markdown(const SearchSummary& s, const std::vector<FinalResult>& results) {
  std::string out = "# Mixed-precision search report\n\n";
  out += "- model: " + s.model + "\n";
  out += "- budget: " + s.budget_source + ": FLASH " + format_bytes(s.flash_budget) + " (" +
         std::to_string(s.flash_budget) + " B), RAM " +
         (s.ram_budget == kNoRamBudget ? std::string("not enforced")
                                       : format_bytes(s.ram_budget) + " (" + std::to_string(s.ram_budget) + " B)") +
         "\n";
  out += s.code == "none"
             ? std::string("- FLASH: the model blob alone (no code counted)\n")
             : "- FLASH: the model blob plus libmpq_fw's code for " + s.code +
                   " (runtime, the kernel variants the policy runs on, its kernel table), as `mpq memory --board` "
                   "counts it; a board's FLASH budget is the part's FLASH less what its application keeps\n";
  if (s.weights_only)
    out += "- weight-only search: every activation stays 8-bit, the agent chooses weight bits under FLASH; RAM is "
           "the 8-bit arena\n";
  if (s.patch != "none")
    out += "- RAM with a patch stage (--patch " + s.patch +
           (s.patch == "auto" ? ", at most " + fmt("%.0f%%", 100 * s.patch_max_overhead) + " more MACs"
                              : std::string()) +
           (s.patch_stream ? ", --patch-input stream: the stage reads the network input window by window, which "
                             "the arena leaves out"
                           : std::string()) +
           "): every policy's RAM is the arena with its stage; `mpq export` of a final checkpoint uses the stage "
           "(and input) it records\n";
  if (s.inplace != InplaceKinds::none)
    out += std::string("- RAM with in-place ") +
           (s.inplace == InplaceKinds::all ? "depthwise and pointwise" : "depthwise") + " (--inplace " +
           inplace_option_word(s.inplace) + "): every policy's RAM is planned with the in-place "
           "pairs that lower it, as the budget was checked; \"RAM separate\" is what the same check "
           "takes with separate buffers; `mpq export` of a final checkpoint flags the same pairs\n";
  out += "- float model: validation " + pct(s.float_val_accuracy) + ", test " + pct(s.float_test_accuracy) + "\n";
  out += "- search: " + std::to_string(s.episodes) + " DDPG episodes (" + std::to_string(s.warmup) +
         " warm-up), random search " + std::to_string(s.random_evaluations) + " evaluations, " +
         std::to_string(s.unique_evaluations) + " distinct policies fine-tuned, " + fmt("%.1f", s.search_seconds / 60) +
         " min" + (s.fidelity == "full" ? std::string() : ", fidelity " + s.fidelity + " (" + s.fidelity_detail + ")") +
         "\n\n";
  for (const auto& n : s.notes) out += "- " + n + "\n";
  if (!s.notes.empty()) out += "\n";
  out += "Accuracies after the same final fine-tune (" + std::to_string(s.final_epochs) + " epoch" +
         (s.final_epochs == 1 ? "" : "s") + ")";
  if (s.final_seeds > 1)
    out += ", repeated with " + std::to_string(s.final_seeds) +
           " seeds (data order, augmentation): mean, ± the test accuracies' sample standard deviation, and each "
           "run in brackets";
  if (s.quantizer == "auto")
    out += "; recipe --quantizer auto: LSQ with distillation, bias correction and fine biases for a policy with a "
           "2-bit tensor, PACT otherwise";
  else
    out += "; recipe --quantizer " + s.quantizer;
  out += "; \"search val\" is the validation accuracy after the search's short fine-tune (the reward). Test "
         "accuracy is measured only here.\n\n";
  out += "| policy | model | " + flash_column(s) + " | RAM | " + (s.inplace != InplaceKinds::none ? "RAM separate | " : "") +
         "RAM layer by layer | patch stage | MACs | search val | val | test |\n|---|---|---:|---:|" +
         (s.inplace != InplaceKinds::none ? "---:|" : "") + "---:|---|---:|---:|---:|---:|\n";
  for (const auto& r : results)
    out += "| " + r.name + " | " + r.model + " | " + std::to_string(r.flash) + " B | " + std::to_string(r.ram) + " B | " +
           (s.inplace != InplaceKinds::none ? std::to_string(r.separate_ram) + " B | " : "") + std::to_string(r.unpatched_ram) + " B | " +
           stage_cell(r) +
           " | " + fmt("%+.1f%%", 100 * r.mac_overhead()) + " | " + pct(r.search_accuracy) + " | " +
           pct_runs(r, r.val_runs, r.val_mean()) + " | " +
           pct_runs(r, r.test_runs, r.test_mean()) + " |\n";
  out += "\nBits per layer (w,a in execution order):\n\n";
  for (const auto& r : results) out += "- " + r.name + ": `" + r.bits + "`\n";
  if (!s.stages.empty()) out += "\nWhere this run's time went (wall clock; work in evaluations, training batches and "
                                "validation images):\n\n```\n" + stage_table(s.stages) + "```\n";
  return out;
}

std::string report_json(const SearchSummary& s, const std::vector<FinalResult>& results) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : results)
    rows.push_back({{"name", r.name}, {"model", r.model}, {"bits", r.bits}, {"flash_bytes", r.flash},
                    {"model_flash_bytes", r.model_flash}, {"code_flash_bytes", r.code_flash},
                    {"ram_bytes", r.ram}, {"unpatched_ram_bytes", r.unpatched_ram},
                    {"inplace_depthwise", r.inplace != InplaceKinds::none}, {"inplace", inplace_option_word(r.inplace)}, {"separate_ram_bytes", r.separate_ram},
                    {"patch", r.patch == "none" ? nlohmann::json(nullptr) : nlohmann::json(r.patch)},
                    {"patch_last_op", r.patch == "none" ? nlohmann::json(nullptr) : nlohmann::json(r.patch_op)},
                    {"patch_input", r.patch == "none" ? nlohmann::json(nullptr) : nlohmann::json(r.patch_input())},
                    {"macs", r.macs}, {"patched_macs", r.patched_macs}, {"mac_overhead", r.mac_overhead()},
                    {"search_accuracy", r.search_accuracy}, {"val_accuracy", r.val_mean()},
                    {"test_accuracy", r.test_mean()}, {"test_std", r.test_std()}, {"val_runs", r.val_runs},
                    {"test_runs", r.test_runs}});
  nlohmann::json stages = nlohmann::json::array();
  for (const auto& t : s.stages)
    stages.push_back({{"name", t.name},
                      {"status", stage_status_name(t.status)},
                      {"seconds", t.seconds},
                      {"evaluations", t.work.evaluations},
                      {"train_batches", t.work.train_batches},
                      {"val_images", t.work.val_images},
                      {"note", t.note}});
  nlohmann::json j = {{"model", s.model},
                      {"budget", s.budget_source},
                      {"flash_budget", s.flash_budget},
                      {"ram_budget",
                       s.ram_budget == kNoRamBudget ? nlohmann::json(nullptr) : nlohmann::json(s.ram_budget)},
                      {"weights_only", s.weights_only},
                      {"float_val_accuracy", s.float_val_accuracy},
                      {"float_test_accuracy", s.float_test_accuracy},
                      {"episodes", s.episodes},
                      {"warmup", s.warmup},
                      {"random_evaluations", s.random_evaluations},
                      {"unique_evaluations", s.unique_evaluations},
                      {"search_seconds", s.search_seconds},
                      {"final_epochs", s.final_epochs},
                      {"final_seeds", s.final_seeds},
                      {"notes", s.notes},
                      {"fidelity", s.fidelity},
                      {"quantizer", s.quantizer},
                      {"patch", s.patch},
                      {"patch_max_overhead", s.patch_max_overhead},
                      {"patch_input", s.patch_stream ? "stream" : "whole"},
                      {"inplace", inplace_option_word(s.inplace)},
                      {"code_target", s.code == "none" ? nlohmann::json(nullptr) : nlohmann::json(s.code)},
                      {"stages", stages},
                      {"results", rows}};
  return j.dump(2) + "\n";
}

std::string search_svg(const SearchSummary& s, const std::vector<EpisodeRecord>& records,
                       const std::vector<FinalResult>& results) {
  const struct {
    const char* phase;
    const char* name;
    const char* color;
  } phases[] = {{"warmup", "warm-up (random actions)", "#999999"},
                {"agent", "agent episodes", "#1f77b4"},
                {"random", "random search", "#ff7f0e"}};
  ChartPanel episodes, memory;
  episodes.x_label = "episode";
  episodes.y_label = "validation accuracy (%), short fine-tune";
  memory.x_label = s.code == "none" ? "FLASH (KiB)" : "FLASH, model + code (KiB)";
  memory.y_label = episodes.y_label;
  for (const auto& ph : phases) {
    ChartSeries by_episode, by_flash;
    by_episode.name = ph.name;
    by_episode.color = by_flash.color = ph.color;
    by_episode.size = by_flash.size = 2;
    by_flash.opacity = 0.45;
    for (const auto& r : records) {
      if (r.phase != ph.phase) continue;
      by_episode.points.push_back({static_cast<double>(r.episode), 100 * r.accuracy});
      by_flash.points.push_back({r.flash / 1024.0, 100 * r.accuracy});
    }
    if (by_episode.points.empty()) continue;
    episodes.series.push_back(by_episode);
    memory.series.push_back(by_flash);
  }
  ChartSeries best;
  best.name = "best so far (warm-up and agent)";
  best.color = "#1f77b4";
  best.marker = ' ';
  best.line = true;
  double running = -1;
  for (const auto& r : records)
    if (r.phase != "random") {
      running = std::max(running, r.accuracy);
      best.points.push_back({static_cast<double>(r.episode), 100 * running});
    }
  if (!best.points.empty()) episodes.series.push_back(best);
  // The compared policies that were scored like candidates, each with its own marker.
  const char* colors[] = {"#d62728", "#2ca02c", "#8c564b", "#9467bd", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"};
  const char markers[] = {'d', 's', '^', 'v', 'o', '+'};
  size_t k = 0;
  for (const auto& r : results) {
    if (r.search_accuracy < 0) continue;
    ChartSeries c;
    c.name = r.name == "random search" ? "random search: its best" : r.name;  // not the phase's dots
    c.color = colors[k % 8];
    c.marker = markers[k % 6];
    c.size = 6;
    c.points.push_back({r.flash / 1024.0, 100 * r.search_accuracy});
    memory.series.push_back(c);
    ++k;
  }
  memory.rules.push_back({true, s.flash_budget / 1024.0, "FLASH budget " + format_bytes(s.flash_budget)});
  return svg_chart(s.model + " under " + s.budget_source, {episodes, memory},
                   {"Accuracy: validation, after the search's short fine-tune (its reward); the compared policies' "
                    "final fine-tunes are in report.md."});
}

}  // namespace mpq
