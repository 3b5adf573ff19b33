#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/search/policy_search.hpp"
#include "libmpq/train/finetune.hpp"
#include "libmpq/train/trainer.hpp"
#include "trained_fixture.hpp"

namespace {

struct Fidelity : mpq_search_test::TrainedSetup {
  mpq::EvalOptions early(double margin) const {
    mpq::EvalOptions e = quick_eval();
    e.val_images = big_val.size();
    e.fidelity = mpq::Fidelity::early_reject;
    e.reject_chunk = 256;
    e.reject_margin = margin;
    return e;
  }
  mpq::SearchOptions warmup_only(const std::string& state) const {
    mpq::SearchOptions o = quick_search(state);
    o.episodes = 6;
    o.warmup = 6;  // random actions: the same candidates whatever the rewards
    o.random_search = 0;
    return o;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(multi_fidelity, Fidelity)

BOOST_AUTO_TEST_CASE(a_rejected_candidate_scores_below_the_bar_and_a_complete_one_as_under_full_fidelity) {
  mpq::EvalOptions full = early(1.0);
  full.fidelity = mpq::Fidelity::full;
  mpq::PolicyEvaluator reference(ckpt, "mem", train, big_val, full);
  // Margin 1: rejected only when even a perfect rest could not reach the bar.
  mpq::PolicyEvaluator ev(ckpt, "mem", train, big_val, early(1.0));
  mpq::Rng rng(9);
  double best = -1;
  int complete = 0;
  for (int k = 0; k < 4; ++k) {
    mpq::Policy p = mpq::uniform_policy(graph, 8, 8);
    for (auto& l : p.layers) {
      const int choices[3] = {2, 4, 8};
      if (l.w_bits) l.w_bits = choices[rng.below(3)];
      l.a_bits = choices[rng.below(3)];
    }
    // Every other policy against a bar out of its reach (its accuracy is near 1/3): at
    // margin 1 the bar of the best so far rejected none of 8 policies here.
    const double bar = k % 2 ? 0.9 : best;
    const double score = ev.accuracy(p, bar);
    const double truth = reference.accuracy(p);
    if (ev.rejected().count(p.key())) {
      BOOST_TEST(score < bar, "policy " << k);
      BOOST_TEST(truth < bar, "policy " << k);  // what margin 1 guarantees
    } else {
      BOOST_TEST(score == truth, "policy " << k);  // chunks of whole batches: the same score
      ++complete;
    }
    if (!ev.rejected().count(p.key())) best = std::max(best, score);
  }
  BOOST_TEST(complete >= 1);
  BOOST_TEST(complete < 4);  // both branches ran
  BOOST_TEST(ev.work().val_images <= reference.work().val_images);
  // Without a bar a rejected policy is scored completely (the comparison asks so).
  for (const auto& [key, bound] : std::map<std::string, double>(ev.rejected())) {
    const mpq::Policy p = mpq::policy_from_key(graph, key);
    BOOST_TEST(ev.accuracy(p) == reference.accuracy(p));
    BOOST_TEST(ev.rejected().count(key) == 0u);
  }
}

// At the search's default margin: at margin 0 nothing guarantees it, and after the
// calibration changes of issue 13 a margin-0 search of this fixture dropped its best
// (0.343 against 0.340). Six episodes hold that loss (episode 5) and the one rejection
// at the default margin that twelve had: a margin-0 run still fails the case.
// The fixture's scores are PACT's (--quantizer pact): the six episodes were chosen for them.
BOOST_AUTO_TEST_CASE(early_rejection_keeps_the_best_of_a_tiny_search_and_validates_fewer_images, *boost::unit_test::label("heavy")) {
  mpq::EvalOptions with_rejection = early(mpq::EvalOptions{}.reject_margin);
  with_rejection.quantizer = mpq::QuantizerChoice::pact;
  mpq::EvalOptions full = with_rejection;
  full.fidelity = mpq::Fidelity::full;
  mpq::PolicyEvaluator ev_full(ckpt, "mem", train, big_val, full);
  mpq::PolicySearch a(space, budget, ev_full, warmup_only(""));
  a.run();
  mpq::PolicyEvaluator ev_early(ckpt, "mem", train, big_val, with_rejection);
  mpq::PolicySearch b(space, budget, ev_early, warmup_only(""));
  b.run();
  BOOST_REQUIRE(a.records().size() == b.records().size());
  for (size_t i = 0; i < a.records().size(); ++i) BOOST_TEST(a.records()[i].bits == b.records()[i].bits);
  BOOST_TEST((a.best_policy("agent") == b.best_policy("agent")));
  BOOST_TEST(a.best_accuracy("agent") == b.best_accuracy("agent"));
  BOOST_TEST(ev_early.rejections() > 0);
  BOOST_TEST(ev_early.work().val_images < ev_full.work().val_images);
  BOOST_TEST(ev_early.work().train_batches == ev_full.work().train_batches);  // only validation is cut
}

BOOST_AUTO_TEST_CASE(an_early_reject_search_is_deterministic_resumable_and_refuses_another_fidelity, *boost::unit_test::label("heavy")) {
  auto options = [&](const std::string& state) {
    mpq::SearchOptions o = quick_search(state);
    o.episodes = 8;
    o.warmup = 3;
    o.random_search = 3;
    return o;
  };
  mpq::PolicyEvaluator ev_a(ckpt, "mem", train, big_val, early(0.0));
  mpq::PolicySearch a(space, budget, ev_a, options(dir + "/a.state"));
  a.run();
  const Resumed k = killed_at_episode_5_and_resumed(early(0.0), options(dir + "/k.state"), a);
  BOOST_TEST(k.evaluator->rejected() == ev_a.rejected());
  BOOST_TEST(ev_a.rejections() > 0);  // the case is exercised

  mpq::EvalOptions full = early(0.0);
  full.fidelity = mpq::Fidelity::full;
  mpq::PolicyEvaluator ev_full(ckpt, "mem", train, big_val, full);
  mpq::PolicySearch other(space, budget, ev_full, options(dir + "/a.state"));
  BOOST_CHECK_THROW(other.resume(), mpq::SearchSettingsMismatch);
  mpq::PolicyEvaluator ev_margin(ckpt, "mem", train, big_val, early(0.02));
  mpq::PolicySearch margin(space, budget, ev_margin, options(dir + "/a.state"));
  BOOST_CHECK_THROW(margin.resume(), mpq::SearchSettingsMismatch);
}

BOOST_AUTO_TEST_CASE(a_shared_base_builds_the_same_calibrated_model_as_a_fresh_preparation) {
  mpq::FakeQuantBase base = mpq::prepare_fake_quant_base(ckpt, "mem", train, 32);
  mpq::Rng rng(4);
  for (int k = 0; k < 3; ++k) {  // the base is reused: no policy leaves a trace in it
    mpq::Policy p = mpq::uniform_policy(graph, 8, 8);
    for (auto& l : p.layers) {
      const int choices[3] = {2, 4, 8};
      if (l.w_bits) l.w_bits = choices[rng.below(3)];
      l.a_bits = choices[rng.below(3)];
    }
    mpq::Model shared = mpq::prepare_fake_quant_model(base, p);
    mpq::Model fresh = mpq::prepare_fake_quant_model(ckpt, "mem", p, train, 32);
    BOOST_TEST(mpq::evaluate(shared, big_val).accuracy == mpq::evaluate(fresh, big_val).accuracy);
    mpq::Checkpoint a, b;
    mpq::capture_model(shared, a);
    mpq::capture_model(fresh, b);
    BOOST_REQUIRE(a.tensors.size() == b.tensors.size());
    for (size_t i = 0; i < a.tensors.size(); ++i) {
      BOOST_REQUIRE(a.tensors[i].first == b.tensors[i].first);
      const mpq::Tensor& x = a.tensors[i].second;
      const mpq::Tensor& y = b.tensors[i].second;
      BOOST_REQUIRE(x.size() == y.size());
      BOOST_TEST(std::equal(x.data(), x.data() + x.size(), y.data()), a.tensors[i].first);
    }
  }
}

BOOST_AUTO_TEST_CASE(fidelity_names_parse_and_an_unknown_one_names_the_choices) {
  BOOST_TEST((mpq::parse_fidelity("full") == mpq::Fidelity::full));
  BOOST_TEST((mpq::parse_fidelity("early-reject") == mpq::Fidelity::early_reject));
  BOOST_TEST((mpq::parse_fidelity("halving") == mpq::Fidelity::halving));
  BOOST_TEST(mpq::fidelity_name(mpq::Fidelity::early_reject) == std::string("early-reject"));
  try {
    mpq::parse_fidelity("quarter");
    BOOST_FAIL("expected an error");
  } catch (const mpq::Error& e) {
    BOOST_TEST(std::string(e.what()).find("full, early-reject or halving") != std::string::npos);
  }
}

BOOST_AUTO_TEST_SUITE_END()
