// Shared by the cheaper-fidelity tests (early rejection, halving): the search fixture with
// a float model that has learnt something and enough validation images for several
// validation batches (256).
#pragma once

#include <memory>
#include <string>

#include "libmpq/nn/checkpoint.hpp"
#include "libmpq/train/trainer.hpp"
#include "search_fixture.hpp"

namespace mpq_search_test {

struct TrainedSetup : Setup {
  mpq::test::SyntheticData big_val{700, 5, 32, 3};

  // The untrained model predicts one class for every image, under every policy, and no
  // candidate would ever fall behind another. Trained once per test program (the same
  // model and data in every case).
  TrainedSetup() {
    static const mpq::Checkpoint trained = [this] {
      mpq::TrainOptions t;
      t.epochs = 4;
      t.batch_size = 16;
      t.lr = 0.05f;
      t.warmup_epochs = 0;
      t.quiet = true;
      mpq::Trainer trainer(model, train, nullptr, t);
      trainer.run();
      mpq::Checkpoint c;
      mpq::capture_model(model, c);
      c.meta["kind"] = "float";
      return c;
    }();
    ckpt = trained;
  }

  // A search resumed mid-way and run to its end, with the evaluator it refers to.
  struct Resumed {
    std::unique_ptr<mpq::PolicyEvaluator> evaluator;
    std::unique_ptr<mpq::PolicySearch> search;
  };

  // A search of big_val under `eval` and `search` (whose state_path is a fresh file of dir)
  // killed after its episode 5, resumed and run to its end: it holds the episodes (bits and
  // accuracy) of `full`, which ran the same settings uninterrupted. Returned for the
  // fidelity's own checks (rewards, rejections).
  Resumed killed_at_episode_5_and_resumed(const mpq::EvalOptions& eval, const mpq::SearchOptions& search,
                                          const mpq::PolicySearch& full) {
    struct Killed {};
    {
      mpq::PolicyEvaluator ev(ckpt, "mem", train, big_val, eval);
      mpq::PolicySearch killed(space, budget, ev, search);
      BOOST_CHECK_THROW(killed.run([](const mpq::EpisodeRecord& r) {
        if (r.episode == 5) throw Killed{};
      }),
                        Killed);
    }
    Resumed k;
    k.evaluator = std::make_unique<mpq::PolicyEvaluator>(ckpt, "mem", train, big_val, eval);
    k.search = std::make_unique<mpq::PolicySearch>(space, budget, *k.evaluator, search);
    mpq::PolicySearch& resumed = *k.search;
    resumed.resume();
    BOOST_TEST(resumed.records().size() == 6u);
    resumed.run();
    BOOST_REQUIRE(resumed.records().size() == full.records().size());
    for (size_t i = 0; i < full.records().size(); ++i) {
      BOOST_TEST(resumed.records()[i].bits == full.records()[i].bits, "episode " << i);
      BOOST_TEST(resumed.records()[i].accuracy == full.records()[i].accuracy, "episode " << i);
    }
    return k;
  }
};

}  // namespace mpq_search_test
