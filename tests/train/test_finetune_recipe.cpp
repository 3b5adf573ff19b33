#include <boost/test/unit_test.hpp>

#include <array>
#include <map>
#include <string>

#include "libmpq/core/error.hpp"
#include "libmpq/train/finetune.hpp"
#include "libmpq/train/finetune_recipe.hpp"

namespace {
// A policy of three decisions: a conv, an add (no weights) and the classifier.
mpq::Policy policy_of_bits(int conv_w, int conv_a, int add_a, int fc_w) {
  mpq::Policy p;
  p.layers = {{"conv", "conv", conv_w, conv_a}, {"add", "add", 0, add_a}, {"fc", "fc", fc_w, 8}};
  return p;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(finetune_recipe)

BOOST_AUTO_TEST_CASE(auto_takes_lsq_with_its_extras_exactly_when_a_tensor_has_two_bits) {
  for (const auto& [bits, two] : std::map<std::array<int, 4>, bool>{{{8, 8, 8, 8}, false},
                                                                    {{4, 4, 4, 4}, false},
                                                                    {{8, 4, 8, 4}, false},
                                                                    {{2, 8, 8, 8}, true},
                                                                    {{8, 2, 8, 8}, true},
                                                                    {{8, 8, 2, 8}, true},
                                                                    {{8, 8, 8, 2}, true}}) {
    const mpq::Policy p = policy_of_bits(bits[0], bits[1], bits[2], bits[3]);
    BOOST_TEST(mpq::has_two_bit_tensor(p) == two, p.key());
    const mpq::FinetuneRecipe r = mpq::recipe_for(mpq::QuantizerChoice::automatic, p);
    BOOST_TEST((r.quantizer == mpq::QuantizerKind::lsq) == two, p.key());
    BOOST_TEST(r.fine_bias == two, p.key());
    BOOST_TEST((r.correction == mpq::StatisticsCorrection::mean) == two, p.key());
    BOOST_TEST((r.distill == 0.5f) == two, p.key());
    BOOST_TEST(r.name() == (two ? "lsq+distill0.5+mean+fine-bias" : "pact"), p.key());
    BOOST_TEST((r == mpq::automatic_recipe(p)));
  }
}

BOOST_AUTO_TEST_CASE(k_means_weights_and_an_explicit_quantizer_take_no_extras) {
  const mpq::Policy two = policy_of_bits(2, 8, 8, 2);
  BOOST_TEST(mpq::recipe_for(mpq::QuantizerChoice::automatic, two, /*kmeans_weights=*/true).name() == "pact");
  BOOST_TEST(mpq::recipe_for(mpq::QuantizerChoice::pact, two).name() == "pact");
  BOOST_TEST(mpq::recipe_for(mpq::QuantizerChoice::lsq, two).name() == "lsq");
  BOOST_TEST(mpq::recipe_for(mpq::QuantizerChoice::lsq, policy_of_bits(8, 8, 8, 8)).name() == "lsq");
}

BOOST_AUTO_TEST_CASE(lsq_pact_and_the_initializations_are_named_in_the_recipe_a_resume_compares) {
  const mpq::Policy two = policy_of_bits(2, 2, 8, 2);
  mpq::FinetuneRecipe r = mpq::recipe_for(mpq::QuantizerChoice::lsq_pact, two);
  BOOST_TEST((r.quantizer == mpq::QuantizerKind::lsq_pact));
  BOOST_TEST(r.name() == "lsq-pact");
  r.weight_step_init = mpq::WeightStepInit::mse;
  BOOST_TEST(r.name() == "lsq-pact+wstep-mse");
  BOOST_TEST(!(r == mpq::recipe_for(mpq::QuantizerChoice::lsq_pact, two)));
  r.activation_init = mpq::ActivationInit::percentile;
  BOOST_TEST(r.name() == "lsq-pact+wstep-mse+a2-p99.9");
  mpq::Checkpoint c;
  mpq::record_recipe(mpq::QuantizerChoice::lsq_pact, r, c.meta);
  BOOST_TEST(c.meta.at("quantizer") == "lsq-pact");  // what eval and export rebuild
  BOOST_TEST((mpq::parse_quantizer_kind(c.meta.at("quantizer")) == mpq::QuantizerKind::lsq_pact));
}

BOOST_AUTO_TEST_CASE(choices_parse_and_name_back_and_others_are_refused) {
  for (auto c : {mpq::QuantizerChoice::automatic, mpq::QuantizerChoice::pact, mpq::QuantizerChoice::lsq,
                 mpq::QuantizerChoice::lsq_pact})
    BOOST_TEST((mpq::parse_quantizer_choice(mpq::quantizer_choice_name(c)) == c));
  BOOST_CHECK_EXCEPTION(mpq::parse_quantizer_choice("lsc"), mpq::Error, [](const mpq::Error& e) {
    return std::string(e.what()).find("auto, pact, lsq") != std::string::npos;
  });
}

BOOST_AUTO_TEST_CASE(a_recorded_recipe_is_what_a_resume_compares_and_old_checkpoints_read_as_theirs) {
  mpq::Checkpoint c;
  const mpq::FinetuneRecipe r = mpq::automatic_recipe(policy_of_bits(2, 4, 4, 2));
  mpq::record_recipe(mpq::QuantizerChoice::automatic, r, c.meta);
  BOOST_TEST(c.meta.at("quantizer") == "lsq");  // what eval and export rebuild
  BOOST_TEST(c.meta.at("quantizer_choice") == "auto");
  BOOST_TEST(c.meta.at("fine_bias") == "1");
  BOOST_TEST(c.meta.count("distill") == 1u);
  BOOST_TEST(mpq::recorded_recipe_name(c) == r.name());
  // Recorded again without distillation, the old "distill" entry goes.
  mpq::record_recipe(mpq::QuantizerChoice::pact, mpq::FinetuneRecipe{}, c.meta);
  BOOST_TEST(c.meta.count("distill") == 0u);
  BOOST_TEST(mpq::recorded_recipe_name(c) == "pact");
  // Written before recipes were recorded: its quantizer and bias grid.
  mpq::Checkpoint old;
  old.meta = {{"quantizer", "lsq"}, {"fine_bias", "1"}};
  BOOST_TEST(mpq::recorded_recipe_name(old) == "lsq+fine-bias");
  BOOST_TEST(mpq::recorded_recipe_name(mpq::Checkpoint{}) == "pact");
}

BOOST_AUTO_TEST_SUITE_END()
