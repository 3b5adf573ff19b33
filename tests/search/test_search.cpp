#include <boost/test/unit_test.hpp>

#include <cmath>

#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/search/baselines.hpp"
#include "libmpq/search/policy_search.hpp"
#include "search_fixture.hpp"

using mpq_search_test::Setup;

BOOST_FIXTURE_TEST_SUITE(search, Setup)

BOOST_AUTO_TEST_CASE(one_step_per_weight_and_activation_tensor_with_logits_fixed) {
  // 27 convs + classifier have weights; every decision but the logits has an activation.
  BOOST_TEST(space.steps.size() == 28u + 27u);
  BOOST_TEST(space.steps.front().weights);
  // The classifier's weights come last: its output (the logits) is not a step.
  BOOST_TEST(space.steps.back().weights);
  BOOST_TEST(space.steps.back().decision == static_cast<int>(graph.decision_ops.size()) - 1);
  mpq::Policy p = mpq::uniform_policy(graph, 8, 8);
  for (size_t t = 0; t < space.steps.size(); ++t) {
    auto f = mpq::state_features(space, t, p, 0.3f, budget.flash, budget.ram);
    BOOST_REQUIRE(f.size() == static_cast<size_t>(mpq::kStateFeatures));
    for (float v : f) BOOST_REQUIRE((v >= 0.f && v <= 1.f));
  }
}

BOOST_AUTO_TEST_CASE(actions_map_to_bits_by_equal_thirds) {
  BOOST_TEST(mpq::bits_from_action(0.f) == 2);
  BOOST_TEST(mpq::bits_from_action(0.33f) == 2);
  BOOST_TEST(mpq::bits_from_action(0.34f) == 4);
  BOOST_TEST(mpq::bits_from_action(0.66f) == 4);
  BOOST_TEST(mpq::bits_from_action(0.67f) == 8);
  BOOST_TEST(mpq::bits_from_action(1.f) == 8);
  for (int b : {2, 4, 8}) BOOST_TEST(mpq::bits_from_action(mpq::action_from_bits(b)) == b);
}

BOOST_AUTO_TEST_CASE(precomputed_flash_equals_the_memory_model) {
  mpq::Rng rng(3);
  for (int k = 0; k < 10; ++k) {
    mpq::Policy p = mpq::uniform_policy(graph, 8, 8);
    for (auto& l : p.layers) {
      const int choices[3] = {2, 4, 8};
      if (l.w_bits) l.w_bits = choices[rng.below(3)];
      l.a_bits = rng.below(2) ? 4 : 8;
    }
    BOOST_TEST(space.flash_bytes(p) == mpq::policy_memory(graph, p).flash_bytes);
  }
}

BOOST_AUTO_TEST_CASE(enforcement_makes_any_policy_fit_and_only_lowers_bits) {
  mpq::Rng rng(5);
  for (int k = 0; k < 10; ++k) {
    mpq::Policy p = mpq::uniform_policy(graph, 8, 8);
    for (auto& l : p.layers) {
      if (l.w_bits) l.w_bits = rng.below(2) ? 8 : 4;
    }
    const mpq::Policy before = p;
    const mpq::MemoryReport r = mpq::enforce_budget(graph, p, budget);
    BOOST_TEST(r.flash_bytes <= budget.flash);
    BOOST_TEST(r.ram_bytes <= budget.ram);
    BOOST_TEST(r.flash_bytes == mpq::policy_memory(graph, p).flash_bytes);
    for (size_t i = 0; i < p.layers.size(); ++i) {
      BOOST_REQUIRE(p.layers[i].w_bits <= before.layers[i].w_bits);
      BOOST_REQUIRE(p.layers[i].a_bits <= before.layers[i].a_bits);
    }
  }
}

BOOST_AUTO_TEST_CASE(an_impossible_budget_names_the_smallest_achievable_memory) {
  mpq::MemoryBudget tiny{10 * 1024, 1024, "tiny board"};
  try {
    mpq::check_budget_feasible(graph, tiny);
    BOOST_FAIL("expected an error");
  } catch (const mpq::Error& e) {
    const std::string msg = e.what();
    const auto least = mpq::policy_memory(graph, mpq::uniform_policy(graph, 2, 2));
    BOOST_TEST(msg.find("tiny board") != std::string::npos);
    BOOST_TEST(msg.find(std::to_string(least.flash_bytes) + " B") != std::string::npos);
    BOOST_TEST(msg.find(std::to_string(least.ram_bytes) + " B") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(baselines_fit_the_budget) {
  const auto uniform = mpq::fitting_uniform_policies(graph, budget);
  for (int w : {8, 4, 2})
    for (int a : {8, 4, 2}) {
      const bool fit = mpq::fits(mpq::policy_memory(graph, mpq::uniform_policy(graph, w, a)), budget);
      const std::string name = "uniform w" + std::to_string(w) + "a" + std::to_string(a);
      bool listed = false;
      for (const auto& u : uniform) listed |= u.name == name;
      BOOST_TEST(listed == fit, name);
    }
  BOOST_TEST(mpq::fits(mpq::policy_memory(graph, mpq::rule_based_policy(graph, budget)), budget));
  const mpq::ModelSpec shrunk = mpq::largest_fitting_8bit_model(spec, {32, 28}, budget);
  BOOST_TEST(shrunk.width < spec.width + 1e-6f);
  mpq::Model m = mpq::build_model(shrunk, 1);
  const mpq::QuantGraph g = mpq::build_quant_graph(m);
  BOOST_TEST(mpq::fits(mpq::policy_memory(g, mpq::uniform_policy(g, 8, 8)), budget));
}

BOOST_AUTO_TEST_CASE(identical_policies_are_evaluated_once) {
  mpq::PolicyEvaluator ev(ckpt, "mem", train, val, quick_eval());
  const mpq::Policy p = mpq::uniform_policy(graph, 4, 8);
  const double a = ev.accuracy(p), b = ev.accuracy(p);
  BOOST_TEST(a == b);
  BOOST_TEST(ev.evaluations() == 1);
  BOOST_TEST((a >= 0.0 && a <= 1.0));
}

BOOST_AUTO_TEST_CASE(a_killed_search_resumed_ends_like_an_uninterrupted_one) {
  mpq::PolicyEvaluator ev_full(ckpt, "mem", train, val, quick_eval());
  mpq::PolicySearch full(space, budget, ev_full, quick_search(dir + "/full.state"));
  full.run();
  BOOST_TEST(full.records().size() == 7u);

  check_killed_and_resumed(space, budget, full, dir + "/killed.state");
  BOOST_TEST(mpq::read_file(dir + "/killed.state").size() > 0u);
}

BOOST_AUTO_TEST_CASE(resuming_with_other_settings_or_a_corrupted_state_is_refused) {
  mpq::PolicyEvaluator ev(ckpt, "mem", train, val, quick_eval());
  auto o = quick_search(dir + "/a.state");
  o.episodes = 2;
  o.warmup = 2;
  o.random_search = 0;
  mpq::PolicySearch s(space, budget, ev, o);
  s.run();
  auto other = o;
  other.seed = 8;
  mpq::PolicySearch t(space, budget, ev, other);
  BOOST_CHECK_THROW(t.resume(), mpq::SearchSettingsMismatch);  // the demo catches this one
  auto taken = o;
  taken.learn_enforced = false;
  mpq::PolicySearch v(space, budget, ev, taken);
  BOOST_CHECK_THROW(v.resume(), mpq::SearchSettingsMismatch);
  std::string bytes = mpq::read_file(o.state_path);
  bytes[bytes.size() / 2] ^= 1;
  mpq::write_file_atomically(o.state_path, bytes);
  mpq::PolicySearch u(space, budget, ev, o);
  BOOST_CHECK_THROW(u.resume(), mpq::Error);
}

BOOST_AUTO_TEST_SUITE_END()
