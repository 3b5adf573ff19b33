// mpq sweep's library side: budget lists, the default grid, the report of a sweep and the
// charts (sweep.svg, search.svg).
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "libmpq/core/error.hpp"
#include "libmpq/search/baselines.hpp"
#include "libmpq/search/svg_chart.hpp"
#include "libmpq/search/sweep_budgets.hpp"
#include "libmpq/search/sweep_report.hpp"
#include "search_fixture.hpp"

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::string error_of(const std::string& budgets, bool weights_only = false) {
  try {
    mpq::parse_sweep_budgets(budgets, weights_only);
  } catch (const mpq::Error& e) {
    return e.what();
  }
  return "";
}

mpq::FinalResult row(const std::string& name, const std::string& bits, uint32_t flash, uint32_t ram,
                     std::vector<double> test, const std::string& model = "m") {
  mpq::FinalResult r;
  r.name = name;
  r.bits = bits;
  r.model = model;
  r.flash = flash;
  r.ram = ram;
  r.val_runs = test;
  r.test_runs = test;
  return r;
}

// Two budgets: at the first only uniform w2a2 fits (the search, the rule and random search
// all end there; no shrunk model fits); at the second every method has a row.
std::vector<mpq::SweepEntry> two_budgets(bool weights_only) {
  std::vector<mpq::SweepEntry> out;
  for (int i = 0; i < 2; ++i) {
    mpq::SweepEntry e;
    e.budget.flash = i == 0 ? 89344 : 160 * 1024;
    e.budget.ram = weights_only ? mpq::kNoRamBudget : (i == 0 ? 9984 : 16 * 1024);
    e.budget.source = mpq::budget_text(e.budget);
    e.folder = mpq::budget_folder_name(e.budget);
    e.model = "mobilenet_v1 w0.25 1x32x32 c10 small-input";
    e.float_test_accuracy = 0.9255;
    e.final_epochs = 1;
    e.final_seeds = 3;
    const std::vector<double> collapsed{0.112, 0.118, 0.119};
    if (i == 0) {
      for (const char* name : {"searched (DDPG)", "random search", "rule-based (memory-driven)", "uniform w2a2"})
        e.results.push_back(row(name, "2,2 2,8", 89312, 9928, collapsed));
      e.notes.push_back("shrunk 8-bit baseline: no shrunk 8-bit mobilenet_v1 (width down to 0.05) fits " +
                        e.budget.source);
      if (weights_only) e.notes.push_back("no k-means policy fits " + e.budget.source + ": its codebooks need more FLASH");
    } else {
      e.results.push_back(row("searched (DDPG)", "8,4 4,8", 150000, 15000, {0.905, 0.907, 0.903}));
      e.results.push_back(row("random search", "4,4 4,8", 140000, 14000, {0.89, 0.893, 0.887}));
      e.results.push_back(row("rule-based (memory-driven)", "8,2 4,8", 158000, 16000, {0.90, 0.899, 0.901}));
      e.results.push_back(row("uniform w4a4", "4,4 4,8", 141796, 12360, {0.896, 0.9, 0.898}));
      e.results.push_back(row("uniform w2a2", "2,2 2,8", 89312, 9928, collapsed));
      if (weights_only)
        e.results.push_back(row("k-means, searched bits (not integer-deployable)", "8,8 4,8", 158000, 24648, {0.906}));
      e.results.push_back(row("shrunk model, uniform 8-bit", "8,8 8,8", 101376, 13400, {0.88, 0.885, 0.882},
                              "mobilenet_v1 w0.15 1x28x28 c10 small-input"));
    }
    out.push_back(e);
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sweep)

BOOST_AUTO_TEST_CASE(budget_lists_parse_in_the_search_units_and_name_their_folders_by_bytes) {
  const auto b = mpq::parse_sweep_budgets("96KiB/12KiB, 131072 / 16kB,0.5MiB/20480B", false);
  BOOST_REQUIRE(b.size() == 3u);
  BOOST_TEST(b[0].flash == 96u * 1024);
  BOOST_TEST(b[0].ram == 12u * 1024);
  BOOST_TEST(b[1].flash == 131072u);
  BOOST_TEST(b[1].ram == 16u * 1024);
  BOOST_TEST(b[2].flash == 512u * 1024);
  BOOST_TEST(mpq::budget_text(b[1]) == "128KiB/16KiB");
  BOOST_TEST(mpq::budget_folder_name(b[1]) == "128KiB_16KiB");
  BOOST_TEST(mpq::budget_text(b[2]) == "512KiB/20KiB");
  mpq::MemoryBudget odd{89313, 9928, ""};
  BOOST_TEST(mpq::budget_text(odd) == "89313B/9928B");
  odd.flash = 89344;
  BOOST_TEST(mpq::budget_text(odd) == "87.25KiB/9928B");
  // Each text reads back to the same bytes.
  for (const auto& x : {b[0], b[1], b[2], odd}) {
    const auto again = mpq::parse_sweep_budgets(mpq::budget_text(x), false);
    BOOST_TEST((again[0].flash == x.flash && again[0].ram == x.ram));
  }
  const auto w = mpq::parse_sweep_budgets("96KiB,128KiB/32KiB", true);
  BOOST_TEST(w[0].ram == mpq::kNoRamBudget);
  BOOST_TEST(w[0].weights_only);
  BOOST_TEST(mpq::budget_folder_name(w[0]) == "96KiB");
  BOOST_TEST(w[1].ram == 32u * 1024);
}

BOOST_AUTO_TEST_CASE(bad_budget_strings_are_errors_naming_the_item) {
  BOOST_TEST(contains(error_of(""), "an empty item"));
  BOOST_TEST(contains(error_of("96KiB/12KiB,,128KiB/16KiB"), "an empty item"));
  BOOST_TEST(contains(error_of("96KiB"), "item '96KiB': expected FLASH/RAM"));
  BOOST_TEST(contains(error_of("96KiB/12KiB/1"), "expected one '/'"));
  BOOST_TEST(contains(error_of("96KiB/12Kx"), "item '96KiB/12Kx': RAM: '12Kx' has an unknown unit"));
  BOOST_TEST(contains(error_of("lots/12KiB"), "FLASH: 'lots' is not a number of bytes"));
  BOOST_TEST(contains(error_of("0/12KiB"), "a budget of 0 bytes"));
  BOOST_TEST(contains(error_of("96KiB/12KiB,98304/12288"), "the same budget as '96KiB/12KiB'"));
  BOOST_TEST(contains(error_of("96KiB;128KiB", true), "'96KiB;128KiB' has an unknown unit"));
  for (const char* bad : {"", "96KiB", "96KiB/12KiB/1", "96KiB/12Kx", "0/12KiB"})
    BOOST_TEST(error_of(bad).find('\n') == std::string::npos, bad);  // one line
}

BOOST_AUTO_TEST_CASE(the_default_grid_runs_from_the_tightest_budget_to_nearly_uniform_8bit_with_shrunk_models_at_half) {
  const mpq::ModelSpec spec = mpq_search_test::small_spec();
  mpq::Model model = mpq::build_model(spec, 1);
  const mpq::QuantGraph graph = mpq::build_quant_graph(model);
  for (bool weights_only : {false, true}) {
    const mpq::SweepGrid grid = mpq::default_sweep_grid(spec, weights_only);
    BOOST_REQUIRE(grid.budgets.size() >= 6u);
    const auto least = mpq::policy_memory(graph, mpq::uniform_policy(graph, 2, weights_only ? 8 : 2));
    const auto full = mpq::policy_memory(graph, mpq::uniform_policy(graph, 8, 8));
    BOOST_TEST(grid.budgets.front().flash >= least.flash_bytes);
    BOOST_TEST(grid.budgets.front().flash < least.flash_bytes + 256);
    BOOST_TEST(grid.budgets.back().flash < full.flash_bytes);
    BOOST_TEST(grid.budgets.back().flash > 0.9 * full.flash_bytes);
    int shrunk = 0;
    for (size_t i = 0; i < grid.budgets.size(); ++i) {
      const auto& b = grid.budgets[i];
      BOOST_TEST(b.weights_only == weights_only);
      BOOST_TEST((b.ram == mpq::kNoRamBudget) == weights_only);
      BOOST_CHECK_NO_THROW(mpq::check_budget_feasible(graph, b));
      BOOST_TEST(!mpq::fits(full, b));  // uniform 8-bit never quite fits
      if (i > 0) BOOST_TEST(b.flash > grid.budgets[i - 1].flash);
      if (i > 0 && !weights_only) BOOST_TEST(b.ram >= grid.budgets[i - 1].ram);
      try {
        mpq::largest_fitting_8bit_model(spec, mpq::shrunk_input_sizes(spec), b);
        ++shrunk;
      } catch (const mpq::Error&) {
      }
    }
    BOOST_TEST(shrunk == grid.shrunk_fits);
    BOOST_TEST(2 * shrunk >= static_cast<int>(grid.budgets.size()), grid.note);
    if (!weights_only) BOOST_TEST(grid.budgets.front().ram < least.ram_bytes + 256);
  }
}

// mpq sweep --patch auto: the grid is made from the memory with each policy's stage, and
// every budget carries the setting, so the feasibility checks, what fits and each search
// plan RAM the same way.
BOOST_AUTO_TEST_CASE(the_default_grid_with_a_patch_stage_plans_ram_with_it_and_every_budget_carries_it) {
  const mpq::ModelSpec spec = mpq_search_test::small_spec();
  mpq::Model model = mpq::build_model(spec, 1);
  const mpq::QuantGraph graph = mpq::build_quant_graph(model);
  mpq::PatchSetting patch;
  patch.request = "auto";
  const mpq::SweepGrid plain = mpq::default_sweep_grid(spec, false);
  const mpq::SweepGrid grid = mpq::default_sweep_grid(spec, false, 6, patch);
  BOOST_REQUIRE(grid.budgets.size() >= 2u);
  const auto least = mpq::policy_memory(graph, mpq::uniform_policy(graph, 2, 2), patch);
  const auto full = mpq::policy_memory(graph, mpq::uniform_policy(graph, 8, 8), patch);
  BOOST_TEST(grid.budgets.front().ram >= least.ram_bytes);
  BOOST_TEST(grid.budgets.front().ram < least.ram_bytes + 256);
  BOOST_TEST(grid.budgets.back().ram < full.ram_bytes);
  BOOST_TEST(grid.budgets.back().ram > 0.9 * full.ram_bytes);
  // Uniform 8 bits need less RAM with a stage (13,384 B instead of 24,648 B on the default
  // model), so the grid's upper end comes down.
  BOOST_TEST(full.ram_bytes < mpq::policy_memory(graph, mpq::uniform_policy(graph, 8, 8)).ram_bytes);
  BOOST_TEST(grid.budgets.back().ram < plain.budgets.back().ram);
  for (const auto& b : grid.budgets) {
    BOOST_TEST(b.patch.request == "auto");
    BOOST_TEST(b.patch.max_overhead == 0.2);
    BOOST_CHECK_NO_THROW(mpq::check_budget_feasible(graph, b));
  }
  for (const auto& b : plain.budgets) BOOST_TEST(!b.patch.enabled());
}

BOOST_AUTO_TEST_CASE(a_report_entry_reads_back_what_the_search_report_wrote) {
  mpq::SearchSummary s;
  s.model = "mobilenet_v1 w0.25 1x32x32 c10 small-input";
  s.float_test_accuracy = 0.9255;
  s.final_epochs = 1;
  s.final_seeds = 3;
  s.notes.push_back("a note");
  const auto rows = two_budgets(false)[1].results;
  const mpq::MemoryBudget b{160 * 1024, 16 * 1024, "160KiB/16KiB"};
  const mpq::SweepEntry e = mpq::read_sweep_entry(b, "f", mpq::report_json(s, rows), "r.json");
  BOOST_REQUIRE(e.results.size() == rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    BOOST_TEST(e.results[i].name == rows[i].name);
    BOOST_TEST(e.results[i].bits == rows[i].bits);
    BOOST_TEST(e.results[i].flash == rows[i].flash);
    BOOST_TEST(e.results[i].test_runs == rows[i].test_runs);
  }
  BOOST_TEST(e.notes == s.notes);
  BOOST_TEST(e.final_seeds == 3);
  BOOST_CHECK_THROW(mpq::read_sweep_entry(b, "f", "{\"model\": 1}", "r.json"), mpq::Error);
  BOOST_CHECK_THROW(mpq::read_sweep_entry(b, "f", "not json", "r.json"), mpq::Error);
}

BOOST_AUTO_TEST_CASE(the_report_shows_a_budget_where_nothing_but_uniform_fits_as_such_not_as_a_failure) {
  for (bool weights_only : {false, true}) {
    const auto entries = two_budgets(weights_only);
    const std::string md = mpq::sweep_markdown(entries, weights_only);
    // The first budget's row: the search, the rule and random search are uniform w2a2 itself,
    // the shrunk model (and k-means) do not fit.
    const size_t first = md.find("| 87.25 KiB |");
    BOOST_REQUIRE(first != std::string::npos);
    const std::string line = md.substr(first, md.find('\n', first) - first);
    BOOST_TEST(contains(line, "does not fit"), line);
    BOOST_TEST(contains(line, "11.63 % ± 0.38"), line);
    BOOST_TEST(contains(line, "uniform w2a2"), line);
    BOOST_TEST(contains(md, "+0.00 (same policy)"), md);
    BOOST_TEST(contains(md, "averaged over the 1 budgets where their policies differ: +0.50 points"), md);
    BOOST_TEST(contains(md, "k-means") == weights_only);

    const auto j = nlohmann::json::parse(mpq::sweep_json(entries, weights_only));
    const auto& tight = j["budgets"][0]["methods"];
    BOOST_TEST(tight["shrunk 8-bit model"]["fits"].get<bool>() == false);
    BOOST_TEST(tight["shrunk 8-bit model"]["why"].get<std::string>() == "does not fit");
    BOOST_TEST(tight["best fitting uniform"]["policy"].get<std::string>() == "uniform w2a2");
    BOOST_TEST(tight["searched (DDPG)"]["bits"] == tight["best fitting uniform"]["bits"]);
    const auto& loose = j["budgets"][1]["methods"];
    BOOST_TEST(loose["best fitting uniform"]["policy"].get<std::string>() == "uniform w4a4");
    BOOST_TEST(loose["shrunk 8-bit model"]["fits"].get<bool>());
    BOOST_TEST(loose["searched (DDPG)"]["test_accuracy"].get<double>() == 0.905, boost::test_tools::tolerance(1e-12));
    if (weights_only) {
      BOOST_TEST(tight["k-means (not integer-deployable)"]["why"].get<std::string>() == "does not fit");
      BOOST_TEST(j["budgets"][0]["ram_budget"].is_null());
    }

    BOOST_TEST(!contains(md, "--patch"), md);
    BOOST_TEST(j["patch"].get<std::string>() == "none");

    const std::string svg = mpq::sweep_svg(entries, weights_only);
    BOOST_TEST(contains(svg, ">FLASH budget (KiB)</text>"));
    BOOST_TEST(contains(svg, ">RAM budget (KiB)</text>") == !weights_only);
    BOOST_TEST(contains(svg, ">test accuracy (%), mean ± std</text>"));
    BOOST_TEST(contains(svg, ">shrunk 8-bit model</text>"));  // in the legend
    BOOST_TEST(contains(svg, ">11.6</text>"));                // the collapsed policy's value on the axis
    BOOST_TEST(contains(svg, ">100</text>"));                 // a FLASH tick (KiB)
  }
}

BOOST_AUTO_TEST_CASE(the_report_says_when_ram_was_planned_with_a_patch_stage) {
  auto entries = two_budgets(false);
  for (auto& e : entries) e.budget.patch = {"auto", 0.3};
  const std::string md = mpq::sweep_markdown(entries, false);
  BOOST_TEST(contains(md, "every search ran with `--patch auto` (MAC overhead at most 30.00 % with auto)"), md);
  const auto j = nlohmann::json::parse(mpq::sweep_json(entries, false));
  BOOST_TEST(j["patch"].get<std::string>() == "auto");
  BOOST_TEST(j["patch_max_overhead"].get<double>() == 0.3);
}

BOOST_AUTO_TEST_CASE(nice_ticks_cover_the_range_in_round_steps) {
  BOOST_TEST((mpq::nice_ticks(87.2, 229) == std::vector<double>{100, 125, 150, 175, 200, 225}));
  BOOST_TEST((mpq::nice_ticks(0, 10) == std::vector<double>{0, 2, 4, 6, 8, 10}));
  const auto t = mpq::nice_ticks(9.7, 23.1);
  BOOST_TEST(t.front() == 10.0);
  BOOST_TEST(t.back() == 22.5);
  BOOST_TEST(mpq::nice_ticks(3, 3).size() == 1u);
}

BOOST_AUTO_TEST_CASE(search_svg_labels_its_axes_with_ticks_and_names_every_baseline_whole_in_its_legend) {
  mpq::SearchSummary s;
  s.model = "m";
  s.budget_source = "--flash 112KiB --ram 12KiB";
  s.flash_budget = 112 * 1024;
  std::vector<mpq::EpisodeRecord> records;
  for (int i = 0; i < 20; ++i) {
    mpq::EpisodeRecord r;
    r.episode = i;
    r.phase = i < 5 ? "warmup" : i < 15 ? "agent" : "random";
    r.accuracy = 0.5 + 0.02 * i;
    r.flash = 90000 + 1000 * static_cast<uint32_t>(i);
    records.push_back(r);
  }
  auto results = two_budgets(false)[1].results;
  for (auto& r : results) r.search_accuracy = r.test_mean() - 0.05;
  const std::string svg = mpq::search_svg(s, records, results);
  for (const char* label : {">searched (DDPG)</text>", ">rule-based (memory-driven)</text>", ">random search</text>",
                            ">FLASH (KiB)</text>", ">episode</text>", ">FLASH budget 112.00 KiB</text>",
                            ">10</text>",   // an episode tick
                            ">100</text>"})  // a FLASH tick (KiB)
    BOOST_TEST(contains(svg, label), label);
}

BOOST_AUTO_TEST_SUITE_END()
