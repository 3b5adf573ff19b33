#include <boost/test/unit_test.hpp>

#include <string>
#include <utility>
#include <vector>

#include "libmpq/core/error.hpp"
#include "libmpq/train/training_recipe.hpp"

BOOST_AUTO_TEST_SUITE(training_recipe)

BOOST_AUTO_TEST_CASE(a_recorded_recipe_reads_back_the_same_options) {
  mpq::TrainOptions o;
  o.epochs = 7;
  o.batch_size = 48;
  o.lr = 0.037f;
  o.min_lr = 0.001f;
  o.momentum = 0.8f;
  o.weight_decay = 3e-5f;
  o.warmup_epochs = 0.5;
  o.augment = false;
  o.max_batches_per_epoch = 12;
  o.seed = 18446744073709551615ull;
  o.shards = 3;
  mpq::Checkpoint c;
  mpq::record_training_recipe(o, c.meta);
  bool recorded = false;
  const mpq::TrainOptions r = mpq::training_recipe(c, "c", &recorded);
  BOOST_TEST(recorded);
  BOOST_TEST(r.epochs == o.epochs);
  BOOST_TEST(r.batch_size == o.batch_size);
  BOOST_TEST(r.lr == o.lr);
  BOOST_TEST(r.min_lr == o.min_lr);
  BOOST_TEST(r.momentum == o.momentum);
  BOOST_TEST(r.weight_decay == o.weight_decay);
  BOOST_TEST(r.warmup_epochs == o.warmup_epochs);
  BOOST_TEST(r.augment == o.augment);
  BOOST_TEST(r.max_batches_per_epoch == o.max_batches_per_epoch);
  BOOST_TEST(r.seed == o.seed);
  BOOST_TEST(r.shards == o.shards);
  BOOST_TEST(mpq::describe_training_recipe(r) == mpq::describe_training_recipe(o));
  BOOST_TEST(mpq::describe_training_recipe(r).find(", 3 shards") != std::string::npos);
  // A recipe from before shards trained with one.
  c.meta.erase("train.shards");
  BOOST_TEST(mpq::training_recipe(c, "c").shards == 1);
}

BOOST_AUTO_TEST_CASE(without_a_recipe_the_defaults_with_the_checkpoints_own_epochs_and_seed) {
  mpq::Checkpoint c;
  c.meta["epochs"] = "15";
  c.meta["seed"] = "4";
  bool recorded = true;
  const mpq::TrainOptions r = mpq::training_recipe(c, "c", &recorded);
  BOOST_TEST(!recorded);
  BOOST_TEST(r.epochs == 15);
  BOOST_TEST(r.seed == 4u);
  BOOST_TEST(r.batch_size == mpq::TrainOptions{}.batch_size);
  c.meta["epochs"] = "0";  // imported weights: epoch 0 of 0
  BOOST_TEST(mpq::training_recipe(c, "c").epochs == mpq::TrainOptions{}.epochs);
}

BOOST_AUTO_TEST_CASE(a_malformed_recorded_value_is_an_error_naming_the_file_and_key) {
  mpq::Checkpoint c;
  mpq::record_training_recipe(mpq::TrainOptions{}, c.meta);
  for (const auto& [key, bad] : std::vector<std::pair<std::string, std::string>>{
           {"train.lr", "fast"}, {"train.batch", "-1"}, {"train.seed", "99999999999999999999999"}, {"train.epochs", "0"}}) {
    mpq::Checkpoint broken = c;
    broken.meta[key] = bad;
    try {
      mpq::training_recipe(broken, "f.mpqc");
      BOOST_ERROR(key << " '" << bad << "' was accepted");
    } catch (const mpq::Error& e) {
      BOOST_TEST(std::string(e.what()).find("f.mpqc") == 0u, e.what());
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
