// mpq sweep through the command line: bad budget lists, the budgets it plans, and the
// report of a budget where nothing but uniform 2-bit fits. Its resume after kill -9 is in
// test_cli_crash.cpp.
#include <boost/test/unit_test.hpp>

#include <regex>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_helpers.hpp"

using namespace mpq_cli_test;

namespace {

// A small float model (MobileNetV1 0.125) trained in two batches, on tiny data, with the
// sweep's flags for it.
struct SweepSetup : TinyFloat {
  SweepSetup() : TinyFloat(tiny_float(200, 40, "--width 0.125 --max-batches 2")) {}
  std::string sweep() const {
    return "sweep " + data + " --checkpoint " + dir + "/f.mpqc " + kPactRecipe + " --out " + dir + "/s ";
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_sweep)

BOOST_AUTO_TEST_CASE(bad_budget_strings_are_one_line_usage_errors_before_any_work) {
  const SweepSetup s;
  const struct {
    const char* budgets;
    const char* message;
  } cases[] = {{"", "an empty item"},
               {"100KiB", "item '100KiB': expected FLASH/RAM"},
               {"100KiB/12KiB,,", "an empty item"},
               {"100KiB/12Kx", "RAM: '12Kx' has an unknown unit"},
               {"100KiB/12KiB/3", "expected one '/'"},
               {"100KiB/12KiB,102400/12288", "the same budget as '100KiB/12KiB'"},
               {"10KiB/4KiB", "--budgets: no policy fits 10KiB/4KiB"}};
  for (const auto& c : cases) {
    const Run r = expect_exit(s.sweep() + "--budgets '" + c.budgets + "'", 2, std::string("mpq: error: ") + "");
    BOOST_TEST(contains(r.out, c.message), c.budgets << ": " << r.out);
    BOOST_TEST(r.out.find('\n') == r.out.size() - 1, c.budgets << ": " << r.out);  // one line
  }
  BOOST_TEST(!exists(s.dir + "/s"));
}

BOOST_AUTO_TEST_CASE(at_the_tightest_budget_only_uniform_2bit_and_the_searched_kind_fit_and_the_report_says_what_does_not) {
  const SweepSetup s;
  // The tightest budget, as the refusal of an impossible one states it.
  const Run impossible = expect_exit(s.sweep() + "--budgets 1KiB/1KiB", 2, "the smallest achievable");
  std::smatch m;
  BOOST_REQUIRE(std::regex_search(impossible.out, m, std::regex("FLASH [^(]*\\((\\d+) B\\) and RAM [^(]*\\((\\d+) B\\)")));
  const std::string tightest = m[1].str() + "/" + m[2].str();
  // The default grid starts there (rounded up to 256 B) and has 6 budgets; evenly spaced,
  // a shrunk 8-bit model of this width would fit at fewer than half, so the grid bends.
  const Run plan = expect_exit(s.sweep() + "--dry-run", 0, "budget 6/6");
  BOOST_TEST(contains(plan.out, "budget 1/6"), plan.out);
  BOOST_TEST(contains(plan.out, "(uniform: w2a2; shrunk 8-bit: none)"), plan.out);
  BOOST_TEST(contains(plan.out, "a shrunk 8-bit model fits at 3 of the 6 budgets"), plan.out);
  BOOST_TEST(!exists(s.dir + "/s"));

  const Run r = expect_exit(s.sweep() + "--budgets " + tightest + " --episodes 3 --warmup 2 --random-search 1 " +
                                "--finetune-batches 1 --finetune-batch 16 --val-images 40 --final-epochs 0 --rerank 0",
                            0, "budget 1/1");
  const std::string md = slurp(s.dir + "/s/sweep.md");
  BOOST_TEST(contains(md, "| does not fit |"), md);  // the shrunk model
  BOOST_TEST(contains(md, "uniform w2a2"), md);
  const auto j = nlohmann::json::parse(slurp(s.dir + "/s/sweep.json"));
  const auto& methods = j["budgets"][0]["methods"];
  BOOST_TEST(methods["shrunk 8-bit model"]["fits"].get<bool>() == false);
  BOOST_TEST(methods["shrunk 8-bit model"]["why"].get<std::string>() == "does not fit");
  BOOST_TEST(methods["best fitting uniform"]["policy"].get<std::string>() == "uniform w2a2");
  // The other policies fit too: 2-bit weights everywhere, 2-bit activations only where RAM peaks.
  for (const char* method : {"searched (DDPG)", "rule-based", "random search"}) {
    BOOST_TEST(methods[method]["fits"].get<bool>(), method);
    BOOST_TEST(methods[method]["flash_bytes"] == methods["best fitting uniform"]["flash_bytes"], method);
  }
  BOOST_TEST(j["budgets"][0]["folder"].get<std::string>() == m[1].str() + "B_" + m[2].str() + "B");
  BOOST_TEST(exists(s.dir + "/s/" + j["budgets"][0]["folder"].get<std::string>() + "/report.md"));
  BOOST_TEST(contains(slurp(s.dir + "/s/sweep.svg"), ">FLASH budget (KiB)</text>"));
}

// mpq sweep --patch auto passes the setting on to each budget's search (its report and
// the sweep's say so) and plans the grid and the feasibility checks with it; a stage the
// model cannot run is a one-line error before any work.
BOOST_AUTO_TEST_CASE(patch_passes_through_to_every_budgets_search) {
  const SweepSetup s;
  Run r = expect_exit(s.sweep() + "--patch 0:40", 1, "mpq: error: --patch: grid 40 is larger than op 0's");
  BOOST_TEST(r.out.find('\n') == r.out.size() - 1, r.out);
  expect_exit(s.sweep() + "--patch auto --patch-max-overhead -1", 2, "--patch-max-overhead");
  BOOST_TEST(!exists(s.dir + "/s"));
  const Run impossible = expect_exit(s.sweep() + "--patch auto --budgets 1KiB/1KiB", 2, "and --patch auto");
  std::smatch m;
  const std::regex smallest("FLASH [^(]*\\((\\d+) B\\) and RAM [^(]*\\((\\d+) B\\)");
  BOOST_REQUIRE(std::regex_search(impossible.out, m, smallest));
  expect_exit(s.sweep() + "--patch auto --dry-run", 0, "RAM with --patch auto");
  // The tightest budget the error names: a stage is taken only where its two buffer records
  // (24 B of FLASH) fit, so it is met.
  r = expect_exit(s.sweep() + "--patch auto --budgets " + m[1].str() + "/" + m[2].str() +
                      " --episodes 3 --warmup 2 --random-search 1 --finetune-batches 1 --finetune-batch 16 " +
                      "--val-images 40 --final-epochs 0 --rerank 0",
                  0, "with --patch auto");
  const auto j = nlohmann::json::parse(slurp(s.dir + "/s/sweep.json"));
  BOOST_TEST(j["patch"].get<std::string>() == "auto");
  const std::string folder = j["budgets"][0]["folder"].get<std::string>();
  const auto report = nlohmann::json::parse(slurp(s.dir + "/s/" + folder + "/report.json"));
  BOOST_TEST(report["patch"].get<std::string>() == "auto");
  BOOST_TEST(contains(slurp(s.dir + "/s/sweep.md"), "`--patch auto`"));
}

BOOST_AUTO_TEST_SUITE_END()
