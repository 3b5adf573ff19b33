// With code in the FLASH budget (a board's: mpq search --board, mpq sweep --board), every
// FLASH figure the search and the sweep show for a policy is what its budget check counted:
// blob + libmpq_fw's code for the policy's kernel variants; k-means and shrunk rows, the
// default grid and the reports alike. Without code, the blob alone as before. The rows of
// a whole comparison are checked in test_compare_policies.cpp.
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "libmpq/mcu/kmeans_flash.hpp"
#include "libmpq/quant/op_records.hpp"
#include "libmpq/search/baselines.hpp"
#include "libmpq/search/final_finetune.hpp"
#include "libmpq/search/kmeans_baseline.hpp"
#include "libmpq/search/sweep_budgets.hpp"
#include "libmpq/search/sweep_report.hpp"
#include "search_fixture.hpp"

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

const mpq::CodeTarget kM4{"cortex-m4", "3"};

uint32_t code_of(const mpq::QuantGraph& graph, const mpq::Policy& policy) {
  return mpq::code_bytes(kM4, mpq::op_records(graph, mpq::op_bits(graph, policy))).total();
}

// The skip where this build measured no code sizes (no arm-none-eabi-g++): nothing to count.
bool measured() {
  if (!mpq::code_sizes_measured()) BOOST_TEST_MESSAGE("skipped: this build measured no code sizes");
  return mpq::code_sizes_measured();
}

mpq::FinalResult row(const std::string& name, uint32_t model_flash, uint32_t code_flash) {
  mpq::FinalResult r;
  r.name = name;
  r.bits = "2,2 2,8";
  r.model = "m";
  r.model_flash = model_flash;
  r.code_flash = code_flash;
  r.flash = model_flash + code_flash;
  r.ram = 9928;
  r.val_runs = r.test_runs = {0.5};
  return r;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(code_in_reports, mpq_search_test::Setup)

BOOST_AUTO_TEST_CASE(the_default_grid_with_code_starts_at_blob_and_code_and_every_budget_carries_the_code) {
  if (!measured()) return;
  const mpq::SweepGrid plain = mpq::default_sweep_grid(spec, false);
  const mpq::SweepGrid grid = mpq::default_sweep_grid(spec, false, 6, {}, kM4);
  BOOST_REQUIRE(grid.budgets.size() >= 2u);
  const mpq::Policy w2a2 = mpq::uniform_policy(graph, 2, 2);
  const uint32_t least = mpq::policy_memory(graph, w2a2).flash_bytes + code_of(graph, w2a2);
  BOOST_TEST(grid.budgets.front().flash >= least);
  BOOST_TEST(grid.budgets.front().flash < least + 256);
  BOOST_TEST(grid.budgets.front().flash > plain.budgets.front().flash);
  int shrunk = 0;
  for (const auto& b : grid.budgets) {
    BOOST_TEST(b.code.text() == "cortex-m4 -O3");
    BOOST_CHECK_NO_THROW(mpq::check_budget_feasible(graph, b));
    try {
      mpq::largest_fitting_8bit_model(spec, mpq::shrunk_input_sizes(spec), b);
      ++shrunk;
    } catch (const mpq::Error&) {
    }
  }
  BOOST_TEST(shrunk == grid.shrunk_fits);
  for (const auto& b : plain.budgets) BOOST_TEST(!b.code.counted());
}

BOOST_AUTO_TEST_CASE(shrunk_candidates_and_kmeans_flash_count_the_code_of_their_own_variants) {
  if (!measured()) return;
  const auto plain = mpq::shrunk_8bit_candidates(spec, {32}, {});
  const auto coded = mpq::shrunk_8bit_candidates(spec, {32}, {}, kM4);
  BOOST_REQUIRE(plain.size() == coded.size());
  for (size_t i = 0; i < plain.size(); ++i) {
    mpq::Model m = mpq::build_model(coded[i].spec, 1);
    const mpq::QuantGraph g = mpq::build_quant_graph(m);
    BOOST_TEST(coded[i].flash == plain[i].flash + code_of(g, mpq::uniform_policy(g, 8, 8)), coded[i].spec.to_string());
    BOOST_TEST(coded[i].ram == plain[i].ram);
  }
  for (int w : {8, 4, 2}) {
    const mpq::Policy p = mpq::uniform_policy(graph, w, 8);
    BOOST_TEST(mpq::kmeans_policy_flash(graph, p, kM4) == mpq::kmeans_policy_flash(graph, p) + code_of(graph, p));
  }
  // Under a budget with code the k-means policies fit with it: at the FLASH of blob and
  // code of uniform 2-bit weights, their codebooks do not fit; with room for them they do.
  const mpq::Policy w2 = mpq::uniform_policy(graph, 2, 8);
  mpq::MemoryBudget b{mpq::policy_memory(graph, w2).flash_bytes + code_of(graph, w2), mpq::kNoRamBudget, "board", true};
  b.code = kM4;
  BOOST_TEST(mpq::kmeans_policies(graph, w2, b).empty());
  b.flash = mpq::kmeans_policy_flash(graph, w2, kM4);
  const auto k = mpq::kmeans_policies(graph, w2, b);
  BOOST_REQUIRE(!k.empty());
  for (const auto& n : k) BOOST_TEST(mpq::kmeans_policy_flash(graph, n.policy, kM4) <= b.flash, n.name);
}

// The final fine-tune's row (here calibration only) carries the budget's quantity, its
// blob and its code, k-means rows with their codebooks in the blob's share.
BOOST_AUTO_TEST_CASE(a_final_rows_flash_is_blob_and_code_with_code_and_the_blob_alone_without) {
  if (!measured()) return;
  const mpq::Policy p = mpq::uniform_policy(graph, 4, 8);
  const mpq::MemoryReport blob = mpq::policy_memory(graph, p);
  for (bool kmeans : {false, true}) {
    mpq::FinalResult with, without;
    mpq::final_finetune(ckpt, "mem", graph, p, train, val, val, 0, 1, dir + "/with.mpqc", with, kmeans, {},
                        mpq::kNoRamBudget, mpq::QuantizerChoice::pact, kM4);
    mpq::final_finetune(ckpt, "mem", graph, p, train, val, val, 0, 1, dir + "/without.mpqc", without, kmeans, {},
                        mpq::kNoRamBudget, mpq::QuantizerChoice::pact);
    const uint32_t model = kmeans ? mpq::kmeans_flash_bytes(blob) : blob.flash_bytes;
    BOOST_TEST(without.flash == model, kmeans);
    BOOST_TEST(without.model_flash == model, kmeans);
    BOOST_TEST(without.code_flash == 0u, kmeans);
    BOOST_TEST(with.model_flash == model, kmeans);
    BOOST_TEST(with.code_flash == code_of(graph, p), kmeans);
    BOOST_TEST(with.flash == model + with.code_flash, kmeans);
    if (kmeans) BOOST_TEST(with.flash == mpq::kmeans_policy_flash(graph, p, kM4));
  }
}

BOOST_AUTO_TEST_CASE(reports_name_what_flash_counts_and_read_back_its_parts) {
  mpq::SearchSummary s;
  s.model = "m";
  const std::vector<mpq::FinalResult> blob_rows{row("uniform w2a2", 89312, 0)};
  const std::vector<mpq::FinalResult> code_rows{row("uniform w2a2", 89312, 30000)};
  BOOST_TEST(contains(mpq::report_markdown(s, blob_rows), "| policy | model | FLASH (model) | RAM |"));
  BOOST_TEST(contains(mpq::report_markdown(s, blob_rows), "FLASH: the model blob alone"));
  BOOST_TEST(nlohmann::json::parse(mpq::report_json(s, blob_rows))["code_target"].is_null());
  s.code = "cortex-m4 -O3";
  const std::string md = mpq::report_markdown(s, code_rows);
  BOOST_TEST(contains(md, "| policy | model | FLASH (model + code) | RAM |"), md);
  BOOST_TEST(contains(md, "| 119312 B |"), md);
  BOOST_TEST(contains(md, "libmpq_fw's code for cortex-m4 -O3"), md);
  const std::string text = mpq::report_json(s, code_rows);
  const auto j = nlohmann::json::parse(text);
  BOOST_TEST(j["code_target"] == "cortex-m4 -O3");
  BOOST_TEST(j["results"][0]["flash_bytes"] == 119312);
  BOOST_TEST(j["results"][0]["model_flash_bytes"] == 89312);
  BOOST_TEST(j["results"][0]["code_flash_bytes"] == 30000);
  BOOST_TEST(contains(mpq::search_svg(s, {}, code_rows), ">FLASH, model + code (KiB)</text>"));

  // The sweep reads the parts back; an older report (no parts) is the blob alone.
  mpq::MemoryBudget b{160 * 1024, 16 * 1024, "160KiB/16KiB"};
  b.code = kM4;
  const mpq::SweepEntry e = mpq::read_sweep_entry(b, "f", text, "r.json");
  BOOST_TEST(e.results[0].flash == 119312u);
  BOOST_TEST(e.results[0].model_flash == 89312u);
  BOOST_TEST(e.results[0].code_flash == 30000u);
  auto old = j;
  old["results"][0].erase("model_flash_bytes");
  old["results"][0].erase("code_flash_bytes");
  const mpq::SweepEntry o = mpq::read_sweep_entry(b, "f", old.dump(), "r.json");
  BOOST_TEST(o.results[0].model_flash == 119312u);
  BOOST_TEST(o.results[0].code_flash == 0u);

  const std::string sweep_md = mpq::sweep_markdown({e}, false);
  BOOST_TEST(contains(sweep_md, "| FLASH budget (model + code) | RAM budget |"), sweep_md);
  BOOST_TEST(contains(sweep_md, "116.52 KiB / 9.70 KiB"), sweep_md);  // the row's blob + code
  const auto sj = nlohmann::json::parse(mpq::sweep_json({e}, false));
  BOOST_TEST(sj["code_target"] == "cortex-m4 -O3");
  const auto& cell = sj["budgets"][0]["methods"]["best fitting uniform"];
  BOOST_TEST(cell["flash_bytes"] == 119312);
  BOOST_TEST(cell["code_flash_bytes"] == 30000);
  BOOST_TEST(contains(mpq::sweep_svg({e}, false), ">FLASH budget, model + code (KiB)</text>"));
  mpq::SweepEntry plain = e;
  plain.budget.code = {};
  BOOST_TEST(contains(mpq::sweep_markdown({plain}, false), "| FLASH budget | RAM budget |"));
  BOOST_TEST(nlohmann::json::parse(mpq::sweep_json({plain}, false))["code_target"].is_null());
}

BOOST_AUTO_TEST_SUITE_END()
