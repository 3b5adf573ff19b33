// The weight-only search (the seed paper's experiment 1): activations stay 8-bit, weight
// bits are chosen under FLASH, and the comparison adds HAQ's k-means weights.
#include <boost/test/unit_test.hpp>

#include <memory>

#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/mcu/kmeans_flash.hpp"
#include "libmpq/search/baselines.hpp"
#include "libmpq/search/compare_policies.hpp"
#include "libmpq/search/kmeans_baseline.hpp"
#include "libmpq/train/finetune.hpp"
#include "search_fixture.hpp"

namespace {

// A FLASH budget halfway between uniform w2a8 and w4a8: among the uniform weight-only
// policies only w2a8 fits, and k-means at 2 bits (16-byte codebooks) fits too.
struct WeightOnly : mpq_search_test::Setup {
  mpq::SearchSpace wspace{graph, /*weights_only=*/true};
  mpq::MemoryBudget wbudget;
  WeightOnly() {
    const uint32_t f2 = mpq::policy_memory(graph, mpq::uniform_policy(graph, 2, 8)).flash_bytes;
    const uint32_t f4 = mpq::policy_memory(graph, mpq::uniform_policy(graph, 4, 8)).flash_bytes;
    wbudget = {(f2 + f4) / 2, mpq::kNoRamBudget, "weight-only test budget", true};
  }
  void check_weight_only(const mpq::Policy& p, const std::string& what) const {
    for (const auto& l : p.layers) BOOST_TEST(l.a_bits == 8, what << ": " << l.name);
    BOOST_TEST(mpq::policy_memory(graph, p).flash_bytes <= wbudget.flash, what);
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(weight_only_search, WeightOnly)

BOOST_AUTO_TEST_CASE(one_step_per_weight_tensor_and_a_state_without_activation_features) {
  BOOST_TEST(wspace.steps.size() == 28u);
  for (const auto& s : wspace.steps) BOOST_TEST(s.weights);
  BOOST_TEST(mpq::state_size(wspace) == mpq::kWeightOnlyStateFeatures);
  BOOST_TEST(mpq::state_size(space) == mpq::kStateFeatures);
  const mpq::Policy p = mpq::uniform_policy(graph, 8, 8);
  for (size_t t = 0; t < wspace.steps.size(); ++t) {
    const auto f = mpq::state_features(wspace, t, p, 0.5f, wbudget.flash, wbudget.ram);
    BOOST_REQUIRE(f.size() == static_cast<size_t>(mpq::kWeightOnlyStateFeatures));
    for (float v : f) BOOST_REQUIRE((v >= 0.f && v <= 1.f));
  }
}

BOOST_AUTO_TEST_CASE(enforcement_and_baselines_cut_weight_bits_only) {
  mpq::Policy p = mpq::uniform_policy(graph, 8, 8);
  const mpq::MemoryReport r = mpq::enforce_budget(graph, p, wbudget);
  BOOST_TEST(r.flash_bytes <= wbudget.flash);
  check_weight_only(p, "enforced");
  check_weight_only(mpq::rule_based_policy(graph, wbudget), "rule-based");
  const auto uniform = mpq::fitting_uniform_policies(graph, wbudget);
  BOOST_REQUIRE(uniform.size() == 1u);
  BOOST_TEST(uniform[0].name == "uniform w2a8");
}

BOOST_AUTO_TEST_CASE(a_ram_budget_below_the_8bit_arena_or_a_flash_budget_below_2bit_weights_is_refused) {
  const uint32_t arena = mpq::policy_memory(graph, mpq::uniform_policy(graph, 8, 8)).ram_bytes;
  mpq::MemoryBudget low = wbudget;
  low.ram = arena - 1;
  try {
    mpq::check_budget_feasible(graph, low);
    BOOST_FAIL("expected an error");
  } catch (const mpq::Error& e) {
    const std::string msg = e.what();
    BOOST_TEST(msg.find("activations stay 8-bit") != std::string::npos);
    BOOST_TEST(msg.find("\n") == std::string::npos);
  }
  mpq::MemoryBudget enough = wbudget;
  enough.ram = 1 << 20;
  BOOST_CHECK_NO_THROW(mpq::check_budget_feasible(graph, enough));
  mpq::MemoryBudget small = wbudget;
  small.flash = mpq::policy_memory(graph, mpq::uniform_policy(graph, 2, 8)).flash_bytes - 1;
  BOOST_CHECK_THROW(mpq::check_budget_feasible(graph, small), mpq::Error);
}

BOOST_AUTO_TEST_CASE(every_policy_of_the_search_keeps_8bit_activations_fits_flash_and_resumes_identically) {
  mpq::PolicyEvaluator ev_full(ckpt, "mem", train, val, quick_eval());
  mpq::PolicySearch full(wspace, wbudget, ev_full, quick_search(dir + "/full.state"));
  full.run();
  BOOST_REQUIRE(full.records().size() == 7u);
  for (const auto& r : full.records()) {
    check_weight_only(mpq::policy_from_key(graph, r.bits), "episode " + std::to_string(r.episode));
    BOOST_TEST(r.flash <= wbudget.flash);
  }
  check_weight_only(full.best_policy("agent"), "best agent");
  check_weight_only(full.best_policy("random"), "best random");

  check_killed_and_resumed(wspace, wbudget, full, dir + "/killed.state");
}

BOOST_AUTO_TEST_CASE(resuming_in_the_other_mode_is_a_one_line_error_naming_the_mode) {
  mpq::PolicyEvaluator ev(ckpt, "mem", train, val, quick_eval());
  auto o = quick_search(dir + "/w.state");
  o.episodes = 1;
  o.warmup = 1;
  o.random_search = 0;
  mpq::PolicySearch w(wspace, wbudget, ev, o);
  w.run();
  mpq::MemoryBudget both = wbudget;
  both.weights_only = false;
  both.ram = budget.ram;
  mpq::PolicySearch other(space, both, ev, o);
  try {
    other.resume();
    BOOST_FAIL("expected an error");
  } catch (const mpq::SearchSettingsMismatch& e) {
    const std::string msg = e.what();
    BOOST_TEST(msg.find("weight-only (--weights-only) search") != std::string::npos);
    BOOST_TEST(msg.find("\n") == std::string::npos);
  }
  // A space and a budget of different modes are refused outright.
  BOOST_CHECK_THROW(mpq::PolicySearch(space, wbudget, ev, o), mpq::Error);
}

BOOST_AUTO_TEST_CASE(kmeans_policies_fit_flash_with_their_codebooks) {
  // At exactly the uniform FLASH of 8-bit weights, the codebooks (28 x 1 KiB) do not fit:
  // the searched bits are cut, and only lowered.
  const mpq::Policy p8 = mpq::uniform_policy(graph, 8, 8);
  mpq::MemoryBudget at8 = wbudget;
  at8.flash = mpq::policy_memory(graph, p8).flash_bytes;
  const mpq::Policy cut = mpq::fit_kmeans_flash(graph, p8, at8);
  BOOST_TEST(mpq::kmeans_policy_flash(graph, cut) <= at8.flash);
  BOOST_TEST(!(cut == p8));
  for (size_t i = 0; i < cut.layers.size(); ++i) {
    BOOST_TEST(cut.layers[i].w_bits <= p8.layers[i].w_bits);
    BOOST_TEST(cut.layers[i].a_bits == 8);
  }
  const auto k = mpq::kmeans_policies(graph, mpq::rule_based_policy(graph, wbudget), wbudget);
  BOOST_REQUIRE(k.size() == 2u);
  BOOST_TEST(k[1].name == "k-means uniform w2 (not integer-deployable)");
  for (const auto& n : k) {
    BOOST_TEST(n.name.find("(not integer-deployable)") != std::string::npos);
    BOOST_TEST(mpq::kmeans_policy_flash(graph, n.policy) <= wbudget.flash, n.name);
    check_weight_only(n.policy, n.name);
  }
}

// The comparison of a weight-only search lists the k-means policies after the uniform
// ones, fine-tuned like every other policy, with their FLASH counted with the codebooks,
// and their checkpoints are refused by the integer path.
BOOST_AUTO_TEST_CASE(the_comparison_adds_kmeans_rows_whose_checkpoints_cannot_be_exported, *boost::unit_test::label("heavy")) {
  mpq::test::SyntheticData big_train{160, 4, 32, 3}, test{48, 3, 32, 3};
  mpq::PolicyEvaluator ev(ckpt, "mem", big_train, val, quick_eval());
  mpq::PolicySearch s(wspace, wbudget, ev, quick_search(""));
  s.run();
  const mpq::ComparisonInputs in{ckpt, "mem", graph, wbudget, big_train, val, test, ev, s, nullptr};
  mpq::ComparisonSettings cs;
  cs.rerank = 0;
  cs.final_epochs = 1;
  cs.final_seeds = 1;
  cs.shrunk = false;
  cs.out_dir = dir + "/k";
  const mpq::ComparisonResult r = mpq::compare_policies(in, cs);
  std::vector<std::string> names;
  for (const auto& row : r.results) names.push_back(row.name);
  BOOST_REQUIRE(names.size() == 6u);
  BOOST_TEST(names[3] == "uniform w2a8");
  BOOST_TEST(names[4].find("k-means, searched bits") == 0u);
  BOOST_TEST(names[5] == "k-means uniform w2 (not integer-deployable)");
  for (const auto& row : r.results) {
    BOOST_TEST(row.flash <= wbudget.flash, row.name);
    BOOST_TEST(row.test_runs.size() == 1u, row.name);
    for (const auto& l : mpq::policy_from_key(graph, row.bits).layers) BOOST_TEST(l.a_bits == 8);
  }
  const mpq::FinalResult& k2 = r.results[5];
  BOOST_TEST(k2.search_accuracy == -1.0);  // not a search candidate
  BOOST_TEST(k2.flash == mpq::kmeans_policy_flash(graph, mpq::uniform_policy(graph, 2, 8)));
  BOOST_TEST(k2.flash == r.results[3].flash + 28 * mpq::kmeans_codebook_bytes(2));
  BOOST_TEST(r.notes.size() == 1u);

  const mpq::Checkpoint kc = mpq::load_checkpoint(dir + "/k/final/kmeans-uniform-w2.mpqc");
  BOOST_TEST(mpq::has_kmeans_weights(kc));
  BOOST_CHECK_THROW(mpq::require_integer_deployable(kc, "kmeans checkpoint"), mpq::Error);
  const mpq::Checkpoint uc = mpq::load_checkpoint(dir + "/k/final/uniform-w2a8.mpqc");
  BOOST_TEST(!mpq::has_kmeans_weights(uc));
  BOOST_CHECK_NO_THROW(mpq::require_integer_deployable(uc, "uniform checkpoint"));
  // The k-means checkpoint reloads as a fake-quant model with the same test accuracy.
  mpq::Model reloaded = mpq::load_fake_quant_model(kc, "kmeans checkpoint");
  BOOST_TEST(mpq::evaluate(reloaded, test).accuracy == k2.test_runs[0]);
}

BOOST_AUTO_TEST_SUITE_END()
