// --fidelity halving (docs/search.md, "Cheaper rewards"): which candidates get the full
// proxy, what they and the others score, and a halving search's resume.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>

#include "libmpq/core/error.hpp"
#include "libmpq/data/dataset_subset.hpp"
#include "libmpq/search/policy_search.hpp"
#include "trained_fixture.hpp"

namespace {

constexpr int64_t kShortImages = 150;  // 50 of each of the 3 classes

struct Halving : mpq_search_test::TrainedSetup {
  mpq::EvalOptions halving(double margin) const {
    mpq::EvalOptions e = quick_eval();
    e.finetune_batches = 2;
    e.val_images = big_val.size();
    e.fidelity = mpq::Fidelity::halving;
    e.short_batches = 1;
    e.short_images = kShortImages;
    e.promote_margin = margin;
    return e;
  }
  mpq::Policy random_policy(mpq::Rng& rng) const {
    mpq::Policy p = mpq::uniform_policy(graph, 8, 8);
    const int choices[3] = {2, 4, 8};
    for (auto& l : p.layers) {
      if (l.w_bits) l.w_bits = choices[rng.below(3)];
      l.a_bits = choices[rng.below(3)];
    }
    return p;
  }
  mpq::SearchOptions search_options(const std::string& state) const {
    mpq::SearchOptions o = quick_search(state);
    o.episodes = 8;
    o.warmup = 3;
    o.random_search = 4;
    return o;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(halving, Halving)

BOOST_AUTO_TEST_CASE(only_a_candidate_near_the_best_short_score_gets_the_full_proxy_and_then_scores_as_full_fidelity) {
  const double margin = 0.02;
  mpq::EvalOptions full = halving(margin);
  full.fidelity = mpq::Fidelity::full;
  mpq::PolicyEvaluator reference(ckpt, "mem", train, big_val, full);
  // The short proxy alone, as full fidelity on the class-balanced images.
  const mpq::DatasetSubset balanced = mpq::class_balanced_samples(big_val, kShortImages);
  mpq::EvalOptions short_only = full;
  short_only.finetune_batches = 1;
  short_only.val_images = kShortImages;
  mpq::PolicyEvaluator short_reference(ckpt, "mem", train, balanced, short_only);

  mpq::PolicyEvaluator ev(ckpt, "mem", train, big_val, halving(margin));
  mpq::Rng rng(9);
  double best_short = -1;
  int promoted = 0, rejected = 0;
  for (int k = 0; k < 6; ++k) {
    const mpq::Policy p = random_policy(rng);
    // Every third policy against a bar out of its reach, the others against the best
    // short score so far (the search's bar).
    const double bar = k % 3 == 2 ? 0.99 : best_short;
    const int64_t images_before = ev.work().val_images;
    const double score = ev.accuracy(p, bar);
    const double short_score = ev.short_score(p);
    BOOST_TEST(short_score == short_reference.accuracy(p), "policy " << k);
    if (ev.rejected().count(p.key())) {
      ++rejected;
      BOOST_TEST(short_score + margin < bar, "policy " << k);
      BOOST_TEST(score == short_score, "policy " << k);
      BOOST_TEST(ev.work().val_images - images_before == kShortImages, "policy " << k);
    } else {
      ++promoted;
      BOOST_TEST(short_score + margin >= bar, "policy " << k);
      BOOST_TEST(score == reference.accuracy(p), "policy " << k);  // the same fine-tune and images
      BOOST_TEST(ev.work().val_images - images_before == kShortImages + big_val.size(), "policy " << k);
    }
    best_short = std::max(best_short, short_score);
  }
  BOOST_TEST(promoted >= 1);
  BOOST_TEST(rejected >= 1);  // both branches ran
  BOOST_TEST(ev.promotions() == promoted);
  // Without a bar (the comparison's scores) a rejected candidate gets the full proxy,
  // without its short proxy again.
  for (const auto& [key, bound] : std::map<std::string, double>(ev.rejected())) {
    const mpq::Policy p = mpq::policy_from_key(graph, key);
    const int64_t images_before = ev.work().val_images;
    BOOST_TEST(ev.accuracy(p) == reference.accuracy(p));
    BOOST_TEST(ev.rejected().count(key) == 0u);
    BOOST_TEST(ev.work().val_images - images_before == big_val.size());
  }
}

// The fixture's weak model predicts one class after one batch, so that every short score
// of 150 balanced images is 1/3: here the short proxy is the full one's fine-tune on all
// the images, whose scores differ (0.331 and 0.34), which is enough to reject some.
BOOST_AUTO_TEST_CASE(a_halving_search_rewards_short_scores_keeps_a_promoted_best_and_resumes_mid_search, *boost::unit_test::label("heavy")) {
  const auto halving = [this](double margin) {
    mpq::EvalOptions e = this->halving(margin);
    e.short_batches = e.finetune_batches;
    e.short_images = big_val.size();
    return e;
  };
  mpq::PolicyEvaluator ev_a(ckpt, "mem", train, big_val, halving(0.0));
  mpq::PolicySearch a(space, budget, ev_a, search_options(dir + "/a.state"));
  a.run();
  double best_agent = -1;
  for (const auto& r : a.records()) {
    BOOST_TEST(r.reward == ev_a.short_scores().at(r.bits), "episode " << r.episode);
    const bool rejected = ev_a.rejected().count(r.bits) > 0;
    if (rejected) BOOST_TEST(r.accuracy == r.reward, "episode " << r.episode);
    if (!rejected && r.phase != "random") best_agent = std::max(best_agent, r.accuracy);
  }
  BOOST_TEST(ev_a.rejections() > 0);  // the case is exercised
  BOOST_TEST(ev_a.rejected().count(a.best_policy("agent").key()) == 0u);
  BOOST_TEST(a.best_accuracy("agent") == best_agent);

  const Resumed k = killed_at_episode_5_and_resumed(halving(0.0), search_options(dir + "/k.state"), a);
  const mpq::PolicySearch& resumed = *k.search;
  mpq::PolicyEvaluator& ev_k = *k.evaluator;
  for (size_t i = 0; i < a.records().size(); ++i)
    BOOST_TEST(resumed.records()[i].reward == a.records()[i].reward, "episode " << i);
  BOOST_TEST(ev_k.short_scores() == ev_a.short_scores());
  BOOST_TEST(ev_k.rejected() == ev_a.rejected());

  // Another margin or fidelity is another search.
  mpq::PolicyEvaluator ev_margin(ckpt, "mem", train, big_val, halving(0.05));
  mpq::PolicySearch margin(space, budget, ev_margin, search_options(dir + "/a.state"));
  BOOST_CHECK_THROW(margin.resume(), mpq::SearchSettingsMismatch);
  mpq::EvalOptions full = halving(0.0);
  full.fidelity = mpq::Fidelity::full;
  mpq::PolicyEvaluator ev_full(ckpt, "mem", train, big_val, full);
  mpq::PolicySearch other(space, budget, ev_full, search_options(dir + "/a.state"));
  BOOST_CHECK_THROW(other.resume(), mpq::SearchSettingsMismatch);
}

BOOST_AUTO_TEST_CASE(a_class_balanced_subset_takes_the_first_of_each_class_and_tops_up_in_order) {
  // big_val's labels: count each class among the first 150 balanced samples.
  const mpq::DatasetSubset s = mpq::class_balanced_samples(big_val, kShortImages);
  BOOST_REQUIRE(s.size() == kShortImages);
  std::map<int32_t, int64_t> per_class;
  for (int64_t i = 0; i < s.size(); ++i) ++per_class[s.label(i)];
  for (const auto& [label, count] : per_class) BOOST_TEST(count == kShortImages / 3, "class " << label);
  // A class with fewer samples than its share gives all of them, and the earliest samples
  // left make up the count.
  std::map<int32_t, int64_t> total;
  for (int64_t i = 0; i < big_val.size(); ++i) ++total[big_val.label(i)];
  const auto rarest = std::min_element(total.begin(), total.end(),
                                       [](const auto& x, const auto& y) { return x.second < y.second; });
  const int64_t count = 3 * rarest->second + 9;
  const mpq::DatasetSubset topped = mpq::class_balanced_samples(big_val, count);
  BOOST_REQUIRE(topped.size() == count);
  int64_t rare = 0;
  for (int64_t i = 0; i < topped.size(); ++i) rare += topped.label(i) == rarest->first;
  BOOST_TEST(rare == rarest->second);
  const mpq::DatasetSubset all = mpq::class_balanced_samples(big_val, big_val.size() + 5);
  BOOST_REQUIRE(all.size() == big_val.size());
  for (int64_t i = 0; i < all.size(); ++i) BOOST_TEST(all.label(i) == big_val.label(i));
}

BOOST_AUTO_TEST_SUITE_END()
