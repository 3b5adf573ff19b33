// Shared by the cheaper-fidelity tests (early rejection, halving): the search fixture with
// a float model that has learnt something and enough validation images for several
// validation batches (256).
#pragma once

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
};

}  // namespace mpq_search_test
