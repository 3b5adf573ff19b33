#include <boost/test/unit_test.hpp>

#include <cmath>
#include <vector>

#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/crc32.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/quant/op_records.hpp"
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

// With a board the budget counts code too, and the agent's FLASH feature (FLASH left with
// every later weight at 2 bits, over the budget) measures policies the same way.
BOOST_AUTO_TEST_CASE(the_flash_feature_measures_policies_as_the_budget_counts_them) {
  const mpq::Policy p = mpq::uniform_policy(graph, 8, 8);
  const uint64_t code = 4096;
  const mpq::FlashOf with_code = [&](const mpq::Policy& q) { return space.flash_bytes(q) + code; };
  const size_t flash_feature = mpq::kStateFeatures - 2;
  for (size_t t : {size_t{0}, space.steps.size() / 2}) {
    const auto blob_only = mpq::state_features(space, t, p, 0.3f, budget.flash, budget.ram);
    const auto counted = mpq::state_features(space, t, p, 0.3f, budget.flash, budget.ram, with_code);
    BOOST_TEST(blob_only[flash_feature] > 0.f);
    BOOST_TEST(counted[flash_feature] == blob_only[flash_feature] - static_cast<float>(code) / budget.flash,
               boost::test_tools::tolerance(1e-5f));
    for (size_t i = 0; i < counted.size(); ++i)
      if (i != flash_feature) BOOST_TEST(counted[i] == blob_only[i]);
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

BOOST_AUTO_TEST_CASE(a_budget_the_blob_fits_but_blob_and_code_do_not_is_refused) {
  if (!mpq::code_sizes_measured()) {
    BOOST_TEST_MESSAGE("skipped: this build measured no code sizes (no arm-none-eabi-g++)");
    return;
  }
  const mpq::CodeTarget m4{"cortex-m4", "3"};
  const mpq::Policy least_policy = mpq::uniform_policy(graph, 2, 2);
  const mpq::MemoryReport least = mpq::policy_memory(graph, least_policy);
  const uint32_t code = mpq::code_bytes(m4, mpq::op_records(graph, least_policy)).total();
  mpq::MemoryBudget board{least.flash_bytes + code / 2, least.ram_bytes + 1024, "half-code board"};
  BOOST_CHECK_NO_THROW(mpq::check_budget_feasible(graph, board));
  board.code = m4;
  try {
    mpq::check_budget_feasible(graph, board);
    BOOST_FAIL("expected an error");
  } catch (const mpq::Error& e) {
    const std::string msg = e.what();
    for (const std::string& part : {std::string("no policy fits"), std::string("half-code board"),
                                    std::to_string(least.flash_bytes + code) + " B"})
      BOOST_TEST(msg.find(part) != std::string::npos, part + " in: " + msg);
  }
  // With room for blob and code, enforcement keeps both under the budget.
  board.flash = least.flash_bytes + code + 4096;
  mpq::Policy p = mpq::uniform_policy(graph, 8, 8);
  const mpq::MemoryReport r = mpq::enforce_budget(graph, p, board);
  BOOST_TEST(r.flash_bytes <= board.flash);
  BOOST_TEST(r.code_flash_bytes > 0u);
  BOOST_TEST(r.flash_bytes == r.model_flash_bytes + r.code_flash_bytes);
  BOOST_TEST(r.model_flash_bytes == mpq::policy_memory(graph, p).flash_bytes);
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

// Episodes 2..4 are one round of 3 actors; the kill after episode 3 falls inside it.
BOOST_AUTO_TEST_CASE(a_search_of_3_actors_killed_inside_a_round_resumed_ends_like_an_uninterrupted_one) {
  actors = 3;
  mpq::PolicyEvaluator ev_full(ckpt, "mem", train, val, quick_eval());
  mpq::PolicySearch full(space, budget, ev_full, quick_search(dir + "/full.state"));
  full.run();
  BOOST_TEST(full.records().size() == 7u);
  check_killed_and_resumed(space, budget, full, dir + "/killed.state");
}

// An actor's noise comes from the seed, its round and its index alone: the first round of
// 2 actors proposes what the first two of 3 propose (both start from the same agent after
// the same warm-up), while one actor per round follows the agent's own generator.
BOOST_AUTO_TEST_CASE(an_actors_noise_depends_on_the_seed_round_and_actor_not_on_the_number_of_actors) {
  auto records = [&](int64_t k) {
    actors = k;
    mpq::PolicyEvaluator ev(ckpt, "mem", train, val, quick_eval());
    auto o = quick_search(dir + "/k" + std::to_string(k) + ".state");
    o.random_search = 0;
    mpq::PolicySearch s(space, budget, ev, o);
    s.run();
    return s.records();
  };
  const auto two = records(2), three = records(3), one = records(1);
  for (size_t e : {2u, 3u}) BOOST_TEST(two[e].bits == three[e].bits, "episode " << e);
  BOOST_TEST(two[2].bits != two[3].bits);  // two actors, two draws of noise
  BOOST_TEST(one[2].bits != two[2].bits);  // not the agent's generator
}

BOOST_AUTO_TEST_CASE(a_state_of_one_actor_per_round_is_not_resumed_with_3) {
  mpq::PolicyEvaluator ev(ckpt, "mem", train, val, quick_eval());
  auto o = quick_search(dir + "/a.state");
  o.episodes = 3;
  o.random_search = 0;
  mpq::PolicySearch s(space, budget, ev, o);
  s.run();
  o.actors = 3;
  mpq::PolicySearch t(space, budget, ev, o);
  BOOST_CHECK_THROW(t.resume(), mpq::SearchSettingsMismatch);
}

BOOST_AUTO_TEST_CASE(a_refused_resume_changes_nothing_and_a_second_resume_replaces_the_first) {
  mpq::PolicyEvaluator ev_full(ckpt, "mem", train, val, quick_eval());
  mpq::PolicySearch full(space, budget, ev_full, quick_search(dir + "/full.state"));
  full.run();
  const std::string finished = mpq::read_file(dir + "/full.state");
  struct Killed {};
  {
    mpq::PolicyEvaluator ev(ckpt, "mem", train, val, quick_eval());
    mpq::PolicySearch killed(space, budget, ev, quick_search(dir + "/killed.state"));
    BOOST_CHECK_THROW(killed.run([](const mpq::EpisodeRecord& r) {
      if (r.episode == 3) throw Killed{};
    }),
                      Killed);
  }
  const std::string halfway = mpq::read_file(dir + "/killed.state");
  mpq::PolicyEvaluator ev_fresh(ckpt, "mem", train, val, quick_eval());
  mpq::PolicySearch fresh(space, budget, ev_fresh, quick_search(dir + "/killed.state"));
  fresh.resume();

  // A search that holds the finished state, resumed from the halfway one, holds that alone.
  const std::string path = dir + "/s.state";
  mpq::PolicyEvaluator ev(ckpt, "mem", train, val, quick_eval());
  mpq::PolicySearch s(space, budget, ev, quick_search(path));
  mpq::write_file_atomically(path, finished);
  s.resume();
  BOOST_TEST(s.finished());
  mpq::write_file_atomically(path, halfway);
  s.resume();
  BOOST_TEST(s.records().size() == 4u);
  BOOST_TEST((s.state_bytes() == fresh.state_bytes()));

  // The finished state cut short anywhere (its CRC repaired, so that the payload is read)
  // fails at some field after others have been read: every one is refused and leaves the
  // search as it was, and it then ends like the uninterrupted run.
  const std::string before = s.state_bytes();
  const size_t header = 12;  // magic, version, CRC-32 of the payload
  std::vector<size_t> cuts;
  for (size_t cut = header; cut + 64 < finished.size(); cut += 97) cuts.push_back(cut);
  for (size_t cut = finished.size() - 64; cut < finished.size(); ++cut) cuts.push_back(cut);
  for (size_t cut : cuts) {
    std::string bytes = finished.substr(0, cut);
    const uint32_t crc = mpq::crc32(bytes.data() + header, bytes.size() - header);
    for (int i = 0; i < 4; ++i) bytes[8 + static_cast<size_t>(i)] = static_cast<char>(crc >> (8 * i));
    mpq::write_file_atomically(path, bytes);
    BOOST_CHECK_THROW(s.resume(), mpq::Error);
    BOOST_REQUIRE_MESSAGE(s.state_bytes() == before, "cut at byte " << cut << " of " << finished.size());
  }
  s.run();
  BOOST_REQUIRE(s.records().size() == full.records().size());
  for (size_t i = 0; i < full.records().size(); ++i) {
    BOOST_TEST(s.records()[i].bits == full.records()[i].bits, "episode " << i);
    BOOST_TEST(s.records()[i].accuracy == full.records()[i].accuracy, "episode " << i);
  }
  BOOST_TEST((s.best_policy("agent") == full.best_policy("agent")));
  BOOST_TEST((s.best_policy("random") == full.best_policy("random")));
}

BOOST_AUTO_TEST_SUITE_END()
