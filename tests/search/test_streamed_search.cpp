// The search's RAM check with a streamed input (budget.patch.stream_input, mpq search
// --patch-input stream): a policy's RAM is the arena of its stage reading the network input
// window by window, which is never more than with the input in the arena; the setting is
// part of the search state's fingerprint only when set, so states of earlier versions and
// of whole-input searches still resume.
#include <boost/test/unit_test.hpp>

#include <string>

#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/mcu/patch_plan.hpp"
#include "libmpq/mcu/plan_model_arena.hpp"
#include "libmpq/quant/op_records.hpp"
#include "libmpq/search/baselines.hpp"
#include "libmpq/search/policy_search.hpp"
#include "search_fixture.hpp"

using mpq_search_test::Setup;

namespace {

mpq::MemoryBudget streamed(mpq::MemoryBudget b, const std::string& request = "auto", bool stream = true) {
  b.patch.request = request;
  b.patch.stream_input = stream;
  return b;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(streamed_search, Setup)

BOOST_AUTO_TEST_CASE(the_streamed_ram_is_the_planned_arena_of_the_streamed_stage_and_at_most_the_whole_inputs) {
  const mpq::Policy w8a8 = mpq::uniform_policy(graph, 8, 8);
  const auto records = mpq::op_records(graph, w8a8);
  for (const std::string request : {"auto", "6:4"}) {
    const mpq::MemoryReport whole = mpq::policy_memory(graph, w8a8, streamed(budget, request, false).patch);
    const mpq::MemoryReport r = mpq::policy_memory(graph, w8a8, streamed(budget, request).patch);
    BOOST_REQUIRE(r.patch.present());
    BOOST_TEST(r.patch.stream_input, request);
    BOOST_TEST(r.patch.first_op == 0u);
    BOOST_TEST(r.ram_bytes == mpq::memory_report(records, r.patch).ram_bytes, request);
    BOOST_TEST(r.ram_bytes == mpq::plan_model_arena(records, r.patch).arena_bytes, request);
    BOOST_TEST(r.ram_bytes <= whole.ram_bytes, request);
  }
  // auto: choose_patch_stage's pick among the streamed stages.
  const mpq::MemoryReport chosen = mpq::policy_memory(graph, w8a8, streamed(budget).patch);
  const auto stage = mpq::choose_patch_stage(records, 0.2, true);
  BOOST_TEST((chosen.patch.op_count == stage.op_count && chosen.patch.grid == stage.grid));
}

BOOST_AUTO_TEST_CASE(enforcement_and_baselines_check_the_streamed_arena) {
  const mpq::MemoryBudget with = streamed(budget);
  mpq::Rng rng(5);
  for (int k = 0; k < 6; ++k) {
    mpq::Policy p = mpq::uniform_policy(graph, 8, 8);
    for (auto& l : p.layers) {
      const int choices[3] = {2, 4, 8};
      if (l.w_bits) l.w_bits = choices[rng.below(3)];
      l.a_bits = choices[1 + rng.below(2)];
    }
    const mpq::MemoryReport r = mpq::enforce_budget(graph, p, with);
    BOOST_TEST(r.ram_bytes <= budget.ram, "policy " << k);
    BOOST_TEST(r.ram_bytes == mpq::budget_memory(graph, p, with).ram_bytes, "policy " << k);
    if (r.patch.present()) BOOST_TEST(r.patch.stream_input, "policy " << k);
  }
  for (const auto& u : mpq::fitting_uniform_policies(graph, with))
    BOOST_TEST(mpq::fits(mpq::policy_memory(graph, u.policy, with.patch), with), u.name);
  BOOST_TEST(mpq::fitting_uniform_policies(graph, with).size() >=
             mpq::fitting_uniform_policies(graph, streamed(budget, "auto", false)).size());
}

BOOST_AUTO_TEST_CASE(a_streamed_input_without_a_stage_is_refused_naming_both_flags) {
  try {
    mpq::check_budget_feasible(graph, streamed(budget, "none"));
    BOOST_ERROR("expected an mpq::Error");
  } catch (const mpq::Error& e) {
    const std::string msg = e.what();
    BOOST_TEST(msg.find("--patch-input stream") != std::string::npos, msg);
    BOOST_TEST(msg.find("--patch none") != std::string::npos, msg);
  }
}

BOOST_AUTO_TEST_CASE(the_streamed_input_is_in_the_fingerprint_only_when_set_and_another_value_is_refused) {
  const mpq::MemoryBudget whole = streamed(budget, "auto", false), stream = streamed(budget);
  {
    mpq::PolicyEvaluator ev(ckpt, "mem", train, val, quick_eval());
    mpq::PolicySearch s(space, whole, ev, quick_search(dir + "/whole.state"));
    s.run();
  }
  // A whole-input state is what earlier versions wrote: no trace of the option.
  BOOST_TEST(mpq::read_file(dir + "/whole.state").find("patch-input") == std::string::npos);
  mpq::PolicyEvaluator ev(ckpt, "mem", train, val, quick_eval());
  mpq::PolicySearch full(space, stream, ev, quick_search(dir + "/stream.state"));
  full.run();
  for (const auto& r : full.records()) BOOST_TEST(r.ram <= budget.ram);
  BOOST_TEST(mpq::read_file(dir + "/stream.state").find("|patch-input stream") != std::string::npos);
  mpq::PolicySearch again(space, stream, ev, quick_search(dir + "/stream.state"));
  again.resume();
  BOOST_TEST(again.records().size() == full.records().size());
  mpq::PolicySearch as_whole(space, whole, ev, quick_search(dir + "/stream.state"));
  BOOST_CHECK_THROW(as_whole.resume(), mpq::SearchSettingsMismatch);
  mpq::PolicySearch as_stream(space, stream, ev, quick_search(dir + "/whole.state"));
  BOOST_CHECK_THROW(as_stream.resume(), mpq::SearchSettingsMismatch);
}

BOOST_AUTO_TEST_SUITE_END()
