#include "libmpq/search/search_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "libmpq/mcu/byte_size.hpp"

namespace mpq {

namespace {
std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}
std::string pct(double v) { return v < 0 ? "-" : fmt("%.2f%%", 100 * v); }

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? -1 : s / static_cast<double>(v.size());
}

// "91.80% ± 0.21 (91.61, 91.95, 91.83)" with several runs, "91.80%" with one.
std::string pct_runs(const FinalResult& r, const std::vector<double>& runs, double m) {
  if (runs.size() < 2) return pct(m);
  std::string out = pct(m) + (&runs == &r.test_runs ? " ± " + fmt("%.2f", 100 * r.test_std()) : std::string()) + " (";
  for (size_t i = 0; i < runs.size(); ++i) out += (i ? ", " : "") + fmt("%.2f", 100 * runs[i]);
  return out + ")";
}
}  // namespace

double FinalResult::val_mean() const { return mean(val_runs); }
double FinalResult::test_mean() const { return mean(test_runs); }
double FinalResult::test_std() const {
  if (test_runs.size() < 2) return 0;
  const double m = test_mean();
  double s = 0;
  for (double x : test_runs) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(test_runs.size() - 1));
}

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
  if (s.weights_only)
    out += "- weight-only search: every activation stays 8-bit, the agent chooses weight bits under FLASH; RAM is "
           "the 8-bit arena\n";
  out += "- float model: validation " + pct(s.float_val_accuracy) + ", test " + pct(s.float_test_accuracy) + "\n";
  out += "- search: " + std::to_string(s.episodes) + " DDPG episodes (" + std::to_string(s.warmup) +
         " warm-up), random search " + std::to_string(s.random_evaluations) + " evaluations, " +
         std::to_string(s.unique_evaluations) + " distinct policies fine-tuned, " + fmt("%.1f", s.search_seconds / 60) +
         " min\n\n";
  for (const auto& n : s.notes) out += "- " + n + "\n";
  if (!s.notes.empty()) out += "\n";
  out += "Accuracies after the same final fine-tune (" + std::to_string(s.final_epochs) + " epoch" +
         (s.final_epochs == 1 ? "" : "s") + ")";
  if (s.final_seeds > 1)
    out += ", repeated with " + std::to_string(s.final_seeds) +
           " seeds (data order, augmentation): mean, ± the test accuracies' sample standard deviation, and each "
           "run in brackets";
  out += "; \"search val\" is the validation accuracy after the search's short fine-tune (the reward). Test "
         "accuracy is measured only here.\n\n";
  out += "| policy | model | FLASH | RAM | search val | val | test |\n|---|---|---:|---:|---:|---:|---:|\n";
  for (const auto& r : results)
    out += "| " + r.name + " | " + r.model + " | " + std::to_string(r.flash) + " B | " + std::to_string(r.ram) + " B | " +
           pct(r.search_accuracy) + " | " + pct_runs(r, r.val_runs, r.val_mean()) + " | " +
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
                    {"ram_bytes", r.ram}, {"search_accuracy", r.search_accuracy}, {"val_accuracy", r.val_mean()},
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
                      {"stages", stages},
                      {"results", rows}};
  return j.dump(2) + "\n";
}

std::string search_svg(const SearchSummary& s, const std::vector<EpisodeRecord>& records,
                       const std::vector<FinalResult>& results) {
  const double W = 1000, H = 420, pad = 50, pw = (W - 3 * pad) / 2, ph = H - 2 * pad - 20;
  double lo = 1, hi = 0;
  uint32_t fmax = 1;
  for (const auto& r : records) {
    lo = std::min(lo, r.accuracy);
    hi = std::max(hi, r.accuracy);
    fmax = std::max(fmax, r.flash);
  }
  for (const auto& r : results)
    if (r.search_accuracy >= 0) {
      lo = std::min(lo, r.search_accuracy);
      hi = std::max(hi, r.search_accuracy);
      fmax = std::max(fmax, r.flash);
    }
  if (hi <= lo) hi = lo + 0.01;
  const double span = hi - lo;
  lo -= 0.05 * span;
  hi += 0.05 * span;
  const double fbudget = static_cast<double>(s.flash_budget);
  const double fscale = std::max(static_cast<double>(fmax), fbudget) * 1.05;
  auto y = [&](double acc) { return pad + 20 + ph * (1 - (acc - lo) / (hi - lo)); };
  const double n = std::max<double>(1, static_cast<double>(records.size()));
  auto x1 = [&](double e) { return pad + pw * e / n; };
  auto x2 = [&](double f) { return 2 * pad + pw + pw * f / fscale; };
  auto color = [](const std::string& phase) {
    return phase == "agent" ? "#1f77b4" : (phase == "warmup" ? "#aaaaaa" : "#ff7f0e");
  };
  std::string o = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + fmt("%.0f", W) + "\" height=\"" +
                  fmt("%.0f", H) + "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  o += "<text x=\"" + fmt("%.0f", pad) + "\" y=\"20\" font-size=\"14\">" + s.model + " under " + s.budget_source +
       "</text>\n";
  for (int panel = 0; panel < 2; ++panel) {
    const double x0 = panel == 0 ? pad : 2 * pad + pw;
    o += "<rect x=\"" + fmt("%.1f", x0) + "\" y=\"" + fmt("%.1f", pad + 20) + "\" width=\"" + fmt("%.1f", pw) +
         "\" height=\"" + fmt("%.1f", ph) + "\" fill=\"none\" stroke=\"black\"/>\n";
    for (int k = 0; k <= 4; ++k) {
      const double acc = lo + (hi - lo) * k / 4;
      o += "<text x=\"" + fmt("%.1f", x0 - 4) + "\" y=\"" + fmt("%.1f", y(acc) + 4) + "\" text-anchor=\"end\">" +
           fmt("%.1f", 100 * acc) + "</text>\n";
    }
  }
  o += "<text x=\"" + fmt("%.1f", pad + pw / 2) + "\" y=\"" + fmt("%.1f", H - 8) +
       "\" text-anchor=\"middle\">episode (grey warm-up, blue agent, orange random search); line: best so far</text>\n";
  o += "<text x=\"" + fmt("%.1f", 2 * pad + 1.5 * pw) + "\" y=\"" + fmt("%.1f", H - 8) +
       "\" text-anchor=\"middle\">FLASH bytes (dashed: budget); validation accuracy % after the short fine-tune</text>\n";
  double best = -1;
  std::string line;
  for (const auto& r : records) {
    o += "<circle cx=\"" + fmt("%.1f", x1(static_cast<double>(r.episode))) + "\" cy=\"" + fmt("%.1f", y(r.accuracy)) +
         "\" r=\"2\" fill=\"" + color(r.phase) + "\"/>\n";
    if (r.phase != "random") {
      best = std::max(best, r.accuracy);
      line += fmt("%.1f", x1(static_cast<double>(r.episode))) + "," + fmt("%.1f", y(best)) + " ";
    }
    o += "<circle cx=\"" + fmt("%.1f", x2(r.flash)) + "\" cy=\"" + fmt("%.1f", y(r.accuracy)) + "\" r=\"2\" fill=\"" +
         color(r.phase) + "\" fill-opacity=\"0.5\"/>\n";
  }
  if (!line.empty()) o += "<polyline points=\"" + line + "\" fill=\"none\" stroke=\"#1f77b4\"/>\n";
  o += "<line x1=\"" + fmt("%.1f", x2(fbudget)) + "\" y1=\"" + fmt("%.1f", pad + 20) + "\" x2=\"" + fmt("%.1f", x2(fbudget)) +
       "\" y2=\"" + fmt("%.1f", pad + 20 + ph) + "\" stroke=\"red\" stroke-dasharray=\"4 3\"/>\n";
  int label = 0;
  for (const auto& r : results) {
    if (r.search_accuracy < 0) continue;
    const double cx = x2(r.flash), cy = y(r.search_accuracy);
    o += "<rect x=\"" + fmt("%.1f", cx - 4) + "\" y=\"" + fmt("%.1f", cy - 4) +
         "\" width=\"8\" height=\"8\" fill=\"none\" stroke=\"black\" stroke-width=\"1.5\"/>\n";
    o += "<text x=\"" + fmt("%.1f", cx + 6) + "\" y=\"" + fmt("%.1f", cy - 6 + 12 * (label++ % 2)) + "\">" + r.name +
         "</text>\n";
  }
  o += "</svg>\n";
  return o;
}

}  // namespace mpq
