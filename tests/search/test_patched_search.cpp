// The search's RAM check with a patch stage (budget.patch, mpq search --patch): enforcement
// cuts activation bits only when the patched arena is over the budget, so it keeps at
// least the bits it keeps without; the stage is part of the search state's settings.
#include <boost/test/unit_test.hpp>

#include <functional>
#include <string>

#include "libmpq/core/error.hpp"
#include "libmpq/mcu/patch_plan.hpp"
#include "libmpq/quant/op_records.hpp"
#include "libmpq/search/baselines.hpp"
#include "libmpq/search/policy_search.hpp"
#include "search_fixture.hpp"

using mpq_search_test::Setup;

namespace {

int activation_bits(const mpq::Policy& p) {
  int sum = 0;
  for (const auto& l : p.layers) sum += l.a_bits;
  return sum;
}

// f throws mpq::Error whose message holds every one of `parts`.
void check_error_mentions(const std::function<void()>& f, std::initializer_list<std::string> parts) {
  try {
    f();
    BOOST_ERROR("expected an mpq::Error");
  } catch (const mpq::Error& e) {
    const std::string msg = e.what();
    for (const std::string& p : parts) BOOST_TEST(msg.find(p) != std::string::npos, msg << " lacks " << p);
  }
}

mpq::MemoryBudget patched(mpq::MemoryBudget b, const std::string& request = "auto") {
  b.patch.request = request;
  return b;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(patched_search, Setup)

BOOST_AUTO_TEST_CASE(the_patched_ram_is_the_arena_of_the_chosen_stage_within_the_mac_cap) {
  const mpq::Policy w8a8 = mpq::uniform_policy(graph, 8, 8);
  const mpq::MemoryReport plain = mpq::policy_memory(graph, w8a8);
  const mpq::MemoryReport r = mpq::policy_memory(graph, w8a8, patched(budget).patch);
  BOOST_REQUIRE(r.patch.present());
  const auto records = mpq::op_records(graph, w8a8);
  BOOST_TEST(r.ram_bytes == mpq::memory_report(records, r.patch).ram_bytes);
  BOOST_TEST(r.patch.first_op == mpq::choose_patch_stage(records, 0.2).first_op);
  BOOST_TEST(r.patch.op_count == mpq::choose_patch_stage(records, 0.2).op_count);
  BOOST_TEST(r.patch.grid == mpq::choose_patch_stage(records, 0.2).grid);
  BOOST_TEST(r.ram_bytes < plain.ram_bytes);
  // FLASH is the patched blob's: its buffer table has the stage's window and tile records.
  BOOST_TEST(r.flash_bytes == mpq::memory_report(records, r.patch).flash_bytes);
  BOOST_TEST(r.flash_bytes > plain.flash_bytes);
  BOOST_TEST(static_cast<double>(r.patched_macs) <= 1.2 * static_cast<double>(r.macs));
  // A tighter cap: no stage costs nothing, so none is left.
  mpq::PatchSetting free_only = patched(budget).patch;
  free_only.max_overhead = 0.0;
  BOOST_TEST(!mpq::policy_memory(graph, w8a8, free_only).patch.present());
  // By hand: that stage (it lowers this policy's arena), the same bytes as memory_report's.
  const mpq::MemoryReport hand = mpq::policy_memory(graph, w8a8, patched(budget, "6:4").patch);
  BOOST_TEST((hand.patch.op_count == 7u && hand.patch.grid == 4u));
  BOOST_TEST(hand.ram_bytes == mpq::memory_report(records, hand.patch).ram_bytes);
  BOOST_TEST(mpq::patch_request_text(hand.patch) == "6:4");
}

BOOST_AUTO_TEST_CASE(enforcement_with_a_stage_keeps_at_least_the_activation_bits_and_more_where_ram_binds) {
  // The fixture's 14 KiB: uniform 8-bit needs about 24 KiB layer by layer, less with a stage.
  const mpq::MemoryBudget with = patched(budget);
  BOOST_REQUIRE(mpq::policy_memory(graph, mpq::uniform_policy(graph, 8, 8)).ram_bytes > budget.ram);
  BOOST_REQUIRE(mpq::policy_memory(graph, mpq::uniform_policy(graph, 8, 8), with.patch).ram_bytes <= budget.ram);
  const mpq::Policy rule = mpq::rule_based_policy(graph, budget);
  const mpq::Policy rule_patched = mpq::rule_based_policy(graph, with);
  BOOST_TEST(activation_bits(rule_patched) > activation_bits(rule));
  for (const auto& l : rule_patched.layers) BOOST_TEST(l.a_bits == 8);  // patching alone is enough

  mpq::Rng rng(11);
  for (int k = 0; k < 12; ++k) {
    mpq::Policy p = mpq::uniform_policy(graph, 8, 8);
    for (auto& l : p.layers) {
      const int choices[3] = {2, 4, 8};
      if (l.w_bits) l.w_bits = choices[rng.below(3)];
      l.a_bits = choices[1 + rng.below(2)];
    }
    mpq::Policy a = p, b = p;
    mpq::enforce_budget(graph, a, budget);
    const mpq::MemoryReport r = mpq::enforce_budget(graph, b, with);
    BOOST_TEST(activation_bits(b) >= activation_bits(a), "policy " << k);
    BOOST_TEST(r.ram_bytes <= budget.ram);
    BOOST_TEST(r.ram_bytes == mpq::budget_memory(graph, b, with).ram_bytes);  // a stage only where it is needed
    if (mpq::policy_memory(graph, p, with.patch).ram_bytes <= budget.ram)
      for (size_t i = 0; i < p.layers.size(); ++i) BOOST_TEST(b.layers[i].a_bits == p.layers[i].a_bits);
  }
  // The uniform baselines are those that fit with their stage.
  for (const auto& u : mpq::fitting_uniform_policies(graph, with))
    BOOST_TEST(mpq::fits(mpq::policy_memory(graph, u.policy, with.patch), with), u.name);
  BOOST_TEST(mpq::fitting_uniform_policies(graph, with).size() > mpq::fitting_uniform_policies(graph, budget).size());
}

BOOST_AUTO_TEST_CASE(a_stage_by_hand_that_cannot_run_is_refused_naming_the_op) {
  check_error_mentions([&] { mpq::check_budget_feasible(graph, patched(budget, "0:40")); },
                                  {"--patch", "grid 40", "op 0"});
  check_error_mentions([&] { mpq::check_budget_feasible(graph, patched(budget, "30:2")); },
                                  {"--patch", "op 30"});
  check_error_mentions([&] { mpq::check_budget_feasible(graph, patched(budget, "some")); },
                                  {"--patch", "LAST_OP:GRID"});
}

BOOST_AUTO_TEST_CASE(a_patched_search_fits_resumes_identically_and_its_state_names_the_stage) {
  const mpq::MemoryBudget with = patched(budget);
  mpq::PolicyEvaluator ev_full(ckpt, "mem", train, val, quick_eval());
  mpq::PolicySearch full(space, with, ev_full, quick_search(dir + "/full.state"));
  full.run();
  for (const auto& r : full.records()) BOOST_TEST(r.ram <= budget.ram);
  check_killed_and_resumed(space, with, full, dir + "/killed.state");
  mpq::PolicyEvaluator ev(ckpt, "mem", train, val, quick_eval());
  // Without the stage, or with another cap, the same state is another search.
  mpq::PolicySearch plain(space, budget, ev, quick_search(dir + "/full.state"));
  BOOST_CHECK_THROW(plain.resume(), mpq::SearchSettingsMismatch);
  mpq::MemoryBudget capped = with;
  capped.patch.max_overhead = 0.1;
  mpq::PolicySearch other_cap(space, capped, ev, quick_search(dir + "/full.state"));
  BOOST_CHECK_THROW(other_cap.resume(), mpq::SearchSettingsMismatch);
}

BOOST_AUTO_TEST_SUITE_END()
