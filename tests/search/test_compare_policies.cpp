#include <boost/test/unit_test.hpp>

#include <cctype>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/quant/op_records.hpp"
#include "libmpq/search/baselines.hpp"
#include "libmpq/search/compare_policies.hpp"
#include "libmpq/train/finetune.hpp"
#include "libmpq/train/training_recipe.hpp"
#include "search_fixture.hpp"

namespace {

using mpq::ComparisonStage;

// A finished quick search under `budget` and the comparison's inputs around it. The final
// fine-tunes and the shrunk model's training take batches of 128: more training images.
struct Compared : mpq_search_test::Setup {
  mpq::test::SyntheticData big_train{160, 4, 32, 3}, test{48, 3, 32, 3};
  std::unique_ptr<mpq::PolicyEvaluator> evaluator;
  std::unique_ptr<mpq::PolicySearch> search;
  std::vector<mpq::ComparisonProgress> events;
  std::function<void(const mpq::ComparisonProgress&)> on_event;  // a test's own check, if any
  // The protocol's checks score with PACT: the auto recipe's bias correction and teacher
  // made this suite three times slower; one case checks that the choice reaches the final
  // fine-tunes.
  mpq::QuantizerChoice quantizer = mpq::QuantizerChoice::pact;

  mpq::EvalOptions eval_options() const {
    mpq::EvalOptions e = quick_eval();
    e.quantizer = quantizer;
    return e;
  }
  void run_search(const mpq::MemoryBudget& b) {
    budget = b;
    evaluator = std::make_unique<mpq::PolicyEvaluator>(ckpt, "mem", big_train, val, eval_options());
    search = std::make_unique<mpq::PolicySearch>(space, budget, *evaluator, quick_search(""));
    search->run();
  }
  mpq::ComparisonInputs inputs() {
    if (!search) run_search(budget);
    return {ckpt, "mem", graph, budget, big_train, val, test, *evaluator, *search,
            [](mpq::Split split, const mpq::ModelSpec& s) -> std::unique_ptr<mpq::Dataset> {
              const bool training = split == mpq::Split::train;
              const uint64_t seed = training ? 11 : split == mpq::Split::validation ? 12 : 13;
              return std::make_unique<mpq::test::SyntheticData>(training ? 160 : 48, seed, s.in_height, 3);
            }};
  }
  mpq::ComparisonSettings quick_settings(const std::string& out) const {
    mpq::ComparisonSettings s;
    s.rerank = 3;
    s.rerank_batches = 2;
    s.final_epochs = 1;
    s.final_seeds = 2;
    s.shrunk_epochs = 1;
    s.out_dir = out;
    return s;
  }
  mpq::ComparisonResult compare(const mpq::ComparisonSettings& s) {
    const mpq::ComparisonInputs in = inputs();
    return mpq::compare_policies(in, s, [&](const mpq::ComparisonProgress& e) {
      if (on_event) on_event(e);
      events.push_back(e);
      if (e.stage == ComparisonStage::searched_chosen) events.back().name = e.policy->key();
    });
  }
  std::vector<ComparisonStage> stages() const {
    std::vector<ComparisonStage> out;
    for (const auto& e : events)
      if (out.empty() || out.back() != e.stage) out.push_back(e.stage);
    return out;
  }
};

bool same(const mpq::FinalResult& a, const mpq::FinalResult& b) {
  return a.name == b.name && a.bits == b.bits && a.model == b.model && a.flash == b.flash && a.ram == b.ram &&
         a.search_accuracy == b.search_accuracy && a.val_runs == b.val_runs && a.test_runs == b.test_runs;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(compare_policies, Compared)

BOOST_AUTO_TEST_CASE(every_fitting_uniform_policy_and_every_baseline_get_one_final_finetune_per_seed, *boost::unit_test::label("heavy")) {
  const mpq::ComparisonResult r = compare(quick_settings(dir + "/a"));
  std::vector<std::string> expected{"searched (DDPG)", "random search", "rule-based (memory-driven)"};
  for (int w : {8, 4, 2})
    for (int a : {8, 4, 2})
      if (mpq::fits(mpq::policy_memory(graph, mpq::uniform_policy(graph, w, a)), budget))
        expected.push_back("uniform w" + std::to_string(w) + "a" + std::to_string(a));
  BOOST_REQUIRE(expected.size() > 3u);  // some uniform policy fits, and ...
  BOOST_REQUIRE(expected.size() < 12u);  // ... some does not: both cases are checked
  expected.push_back("shrunk model, uniform 8-bit");
  std::vector<std::string> names;
  for (const auto& row : r.results) names.push_back(row.name);
  BOOST_TEST(names == expected, boost::test_tools::per_element());
  BOOST_TEST(r.final_runs == 2);
  BOOST_REQUIRE(r.notes.size() == 1u);  // how the shrunk model was trained
  BOOST_TEST(r.notes[0].find("with --shrunk-epochs 1 and otherwise the float model's recipe") != std::string::npos,
             r.notes[0]);

  std::map<std::string, std::vector<int64_t>> seeds;  // per compared policy, in call order
  for (const auto& e : events)
    if (e.stage == ComparisonStage::final_finetune || e.stage == ComparisonStage::shrunk_finetune) {
      seeds[e.name].push_back(e.index);
      BOOST_TEST(e.count == 2);
    }
  BOOST_TEST(seeds.size() == r.results.size());
  for (const auto& row : r.results) {
    BOOST_TEST((seeds[row.name] == std::vector<int64_t>{1, 2}), row.name);
    BOOST_TEST(row.val_runs.size() == 2u, row.name);
    BOOST_TEST(row.test_runs.size() == 2u, row.name);
    BOOST_TEST(row.flash <= budget.flash, row.name);
    BOOST_TEST(row.ram <= budget.ram, row.name);
  }
  for (size_t i = 0; i + 1 < r.results.size(); ++i) BOOST_TEST(r.results[i].search_accuracy >= 0.0);
  BOOST_TEST(r.results.back().search_accuracy == -1.0);  // the shrunk model is not a search candidate
  BOOST_TEST(r.results.back().model == mpq::largest_fitting_8bit_model(spec, {32, 28}, budget).to_string());
  BOOST_TEST(r.results.front().bits == r.searched.key());
  for (const char* f : {"/a/final/searched.mpqc", "/a/final/searched.seed2.mpqc", "/a/final/uniform-w2a2.seed2.mpqc",
                        "/a/final/rule-based.mpqc", "/a/final/random.mpqc", "/a/final/shrunk-w8a8.seed2.mpqc",
                        "/a/shrunk/float.mpqc"})
    BOOST_TEST(mpq::file_exists(dir + f), f);
  BOOST_TEST(!mpq::file_exists(dir + "/a/final/searched.seed3.mpqc"));
}

BOOST_AUTO_TEST_CASE(progress_reports_every_stage_in_order_before_it_runs) {
  auto s = quick_settings(dir + "/a");
  s.final_epochs = 0;  // the order does not depend on them
  int64_t checked = 0;
  on_event = [&](const mpq::ComparisonProgress& e) {
    if (e.stage == ComparisonStage::final_finetune && e.name == "searched (DDPG)") {
      BOOST_TEST(!mpq::file_exists(dir + "/a/final/searched.mpqc"));
      ++checked;
    }
    if (e.stage == ComparisonStage::shrunk_training) {
      BOOST_TEST(!mpq::file_exists(dir + "/a/shrunk/float.mpqc"));
      ++checked;
    }
  };
  const mpq::ComparisonResult r = compare(s);
  BOOST_TEST(checked == 2);
  const std::vector<ComparisonStage> expected{ComparisonStage::rescoring, ComparisonStage::searched_chosen,
                                              ComparisonStage::final_finetune, ComparisonStage::shrunk_training,
                                              ComparisonStage::shrunk_finetune};
  BOOST_TEST((stages() == expected));
  // The best three distinct agent policies are re-scored, 1 of 3 to 3 of 3.
  int64_t k = 0;
  for (const auto& e : events)
    if (e.stage == ComparisonStage::rescoring) {
      BOOST_TEST(e.index == ++k);
      BOOST_TEST(e.count == 3);
      BOOST_TEST((e.long_accuracy >= 0.0 && e.long_accuracy <= 1.0));
    }
  BOOST_TEST(k == 3);
  for (const auto& e : events)
    if (e.stage == ComparisonStage::searched_chosen) BOOST_TEST(e.name == r.searched.key());
  for (const auto& e : events)
    if (e.stage == ComparisonStage::shrunk_training) BOOST_TEST(e.name.find(r.results.back().model + ", ") == 0u);
}

BOOST_AUTO_TEST_CASE(the_shrunk_model_is_trained_with_the_float_models_recipe_and_epochs_not_fewer, *boost::unit_test::label("heavy")) {
  // The float model as `mpq train --epochs 3 --batch 32 --max-batches 2 --lr 0.05 --seed 9` records it.
  mpq::TrainOptions recipe;
  recipe.epochs = 3;
  recipe.batch_size = 32;
  recipe.max_batches_per_epoch = 2;
  recipe.lr = 0.05f;
  recipe.seed = 9;
  mpq::record_training_recipe(recipe, ckpt.meta);
  auto s = quick_settings(dir + "/r");
  s.shrunk_epochs = 0;  // the default: the float model's
  s.final_seeds = 1;
  s.rerank = 0;
  const mpq::ComparisonResult r = compare(s);
  BOOST_REQUIRE(r.results.back().name == "shrunk model, uniform 8-bit");
  const mpq::Checkpoint shrunk = mpq::load_checkpoint(dir + "/r/shrunk/float.mpqc");
  BOOST_TEST(shrunk.meta_or("epoch", "") == "3");
  const mpq::TrainOptions used = mpq::training_recipe(shrunk, "shrunk");
  BOOST_TEST(mpq::describe_training_recipe(used) == mpq::describe_training_recipe(recipe));
  BOOST_TEST(r.notes.back().find("with the float model's recipe (3 epochs of 2 batches, batch 32, lr 0.05") !=
                 std::string::npos,
             r.notes.back());
  // Then fine-tuned like every compared policy: the same epochs, from its own float checkpoint.
  const mpq::Checkpoint tuned = mpq::load_checkpoint(dir + "/r/final/shrunk-w8a8.mpqc");
  const mpq::Checkpoint searched = mpq::load_checkpoint(dir + "/r/final/searched.mpqc");
  BOOST_TEST(tuned.meta_or("epochs", "") == searched.meta_or("epochs", "x"));
  BOOST_TEST(tuned.meta_or("train.batch", "") == searched.meta_or("train.batch", "x"));
  BOOST_TEST(tuned.meta_or("train.lr", "") == searched.meta_or("train.lr", "x"));
  BOOST_TEST(tuned.meta_or("source", "") == dir + "/r/shrunk/float.mpqc");

  // With a shrunk folder (a sweep's, shared by its budgets) the float checkpoint goes there, by model.
  auto with_dir = quick_settings(dir + "/d");
  with_dir.shrunk_dir = dir + "/shared";
  with_dir.final_seeds = 1;
  with_dir.rerank = 0;
  const mpq::ComparisonResult d = compare(with_dir);
  BOOST_TEST(mpq::file_exists(dir + "/shared/" + [&] {
    std::string m = d.results.back().model;
    for (char& c : m)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.') c = '-';
    return m;
  }() + ".mpqc"));
  BOOST_TEST(!mpq::file_exists(dir + "/d/shrunk"));
}

BOOST_AUTO_TEST_CASE(the_same_inputs_give_the_same_comparison_and_a_rerun_reuses_the_final_checkpoints, *boost::unit_test::label("heavy")) {
  auto s = quick_settings(dir + "/a");
  s.final_seeds = 1;
  s.shrunk = false;
  const mpq::ComparisonResult a = compare(s);
  s.out_dir = dir + "/b";
  const mpq::ComparisonResult b = compare(s);
  BOOST_REQUIRE(a.results.size() == b.results.size());
  BOOST_TEST((a.searched == b.searched));
  for (size_t i = 0; i < a.results.size(); ++i) BOOST_TEST(same(a.results[i], b.results[i]), a.results[i].name);
  // Completed final fine-tunes are taken from their checkpoints, with the same results.
  const std::string before = mpq::read_file(dir + "/a/final/searched.mpqc");
  s.out_dir = dir + "/a";
  const mpq::ComparisonResult c = compare(s);
  BOOST_REQUIRE(a.results.size() == c.results.size());
  for (size_t i = 0; i < a.results.size(); ++i) BOOST_TEST(same(a.results[i], c.results[i]), a.results[i].name);
  BOOST_TEST((mpq::read_file(dir + "/a/final/searched.mpqc") == before));
  // ... with their accuracies recorded in them: neither trained nor evaluated again.
  int finals = 0;
  for (const auto& st : c.stages)
    if (st.name.rfind("final fine-tune: ", 0) == 0) {
      ++finals;
      BOOST_TEST((st.status == mpq::StageStatus::skipped), st.name);
      BOOST_TEST(st.work.empty(), st.name);
    }
  BOOST_TEST(finals == static_cast<int>(c.results.size()));
}

BOOST_AUTO_TEST_CASE(a_rerun_takes_the_rescores_from_disk_and_other_settings_or_a_corrupted_file_do_not_pass) {
  auto s = quick_settings(dir + "/r");
  s.final_epochs = 0;
  s.shrunk = false;
  const mpq::ComparisonResult a = compare(s);
  BOOST_REQUIRE(a.stages.size() >= 2u);
  BOOST_TEST(a.stages[0].name == "re-scoring");
  BOOST_TEST((a.stages[0].status == mpq::StageStatus::ran));
  BOOST_TEST(a.stages[0].work.evaluations == s.rerank);
  BOOST_TEST(mpq::file_exists(dir + "/r/rescores.json"));

  // Another evaluator, as a new process would have: only the file can spare the work.
  evaluator = std::make_unique<mpq::PolicyEvaluator>(ckpt, "mem", big_train, val, eval_options());
  const mpq::ComparisonResult b = compare(s);
  BOOST_TEST((b.stages[0].status == mpq::StageStatus::skipped));
  BOOST_TEST(b.stages[0].work.evaluations == 0);
  BOOST_TEST(b.stages[1].work.evaluations == 0);  // the compared policies' scores too
  BOOST_TEST(evaluator->evaluations() == 0);
  BOOST_TEST((a.searched == b.searched));
  BOOST_REQUIRE(a.results.size() == b.results.size());
  for (size_t i = 0; i < a.results.size(); ++i) BOOST_TEST(same(a.results[i], b.results[i]), a.results[i].name);

  auto longer = s;
  longer.rerank_batches = 3;  // other settings: scored again, the first ones kept
  BOOST_TEST(compare(longer).stages[0].work.evaluations == s.rerank);
  BOOST_TEST(compare(s).stages[0].work.evaluations == 0);

  mpq::write_file_atomically(dir + "/r/rescores.json", "{\"format\": \"mpq re-scores 1\", \"entries\": 3}");
  try {
    compare(s);
    BOOST_FAIL("expected an error");
  } catch (const mpq::Error& e) {
    BOOST_TEST(std::string(e.what()).find(dir + "/r/rescores.json: ") == 0u, e.what());
  }
}

BOOST_AUTO_TEST_CASE(without_final_epochs_each_policy_is_calibrated_once_and_rerank_off_keeps_the_best_short_score) {
  quantizer = mpq::QuantizerChoice::automatic;
  auto s = quick_settings(dir + "/z");
  s.final_epochs = 0;
  s.final_seeds = 3;
  s.rerank = 0;
  s.shrunk = false;
  const mpq::ComparisonResult r = compare(s);
  BOOST_TEST(r.final_runs == 1);
  BOOST_TEST((r.searched == search->best_policy("agent")));
  size_t finetunes = 0;
  for (const auto& e : events) {
    BOOST_TEST((e.stage != ComparisonStage::rescoring));
    BOOST_TEST((e.stage != ComparisonStage::shrunk_training));
    if (e.stage == ComparisonStage::final_finetune) ++finetunes;
  }
  BOOST_TEST(finetunes == r.results.size());
  for (const auto& row : r.results) BOOST_TEST(row.test_runs.size() == 1u);
  BOOST_TEST(mpq::load_checkpoint(dir + "/z/final/searched.mpqc").meta_or("epoch", "") == "0");
  BOOST_TEST(!mpq::file_exists(dir + "/z/final/searched.seed2.mpqc"));
  // The search's --quantizer auto reaches the final checkpoints: the recipe of their bits
  // (under this budget every compared policy has a 2-bit tensor: LSQ's).
  int two_bit = 0;
  for (const auto& f : std::filesystem::directory_iterator(dir + "/z/final")) {
    const mpq::Checkpoint c = mpq::load_checkpoint(f.path().string());
    const mpq::Policy p = mpq::policy_of(c, f.path().string());
    BOOST_TEST(c.meta_or("recipe", "") == mpq::automatic_recipe(p).name(), f.path());
    BOOST_TEST(c.meta_or("quantizer_choice", "") == "auto", f.path());
    two_bit += mpq::has_two_bit_tensor(p);
  }
  BOOST_TEST(two_bit > 0);
}

BOOST_AUTO_TEST_CASE(when_no_shrunk_8bit_model_fits_the_report_gets_a_note_instead_of_a_row) {
  // The least RAM any policy reaches: the search is possible, 8-bit activations are not.
  const mpq::MemoryReport least = mpq::policy_memory(graph, mpq::uniform_policy(graph, 2, 2));
  run_search({budget.flash, least.ram_bytes, "tight RAM"});
  BOOST_REQUIRE_THROW(mpq::largest_fitting_8bit_model(spec, {32, 28}, budget), mpq::Error);
  auto s = quick_settings(dir + "/t");
  s.final_epochs = 0;
  s.rerank = 0;
  const mpq::ComparisonResult r = compare(s);
  BOOST_REQUIRE(r.notes.size() == 1u);
  BOOST_TEST(r.notes[0].find("shrunk 8-bit baseline: ") == 0u);
  BOOST_TEST(r.notes[0].find("tight RAM") != std::string::npos);
  for (const auto& row : r.results) BOOST_TEST(row.name.find("shrunk") == std::string::npos);
  BOOST_TEST((stages().back() == ComparisonStage::shrunk_not_fitting));
  BOOST_TEST(events.back().name == r.notes[0]);
  BOOST_TEST(!mpq::file_exists(dir + "/t/shrunk"));
}

BOOST_AUTO_TEST_CASE(an_impossible_budget_or_an_unfinished_search_is_refused_before_any_work) {
  mpq::ComparisonInputs in = inputs();
  const mpq::MemoryBudget tiny{10 * 1024, 1024, "tiny board"};
  const mpq::ComparisonInputs impossible{in.float_ckpt, in.float_path, in.graph, tiny, in.train, in.val,
                                         in.test, in.evaluator, in.search, in.open_data};
  int calls = 0;
  try {
    mpq::compare_policies(impossible, quick_settings(dir + "/x"), [&](const mpq::ComparisonProgress&) { ++calls; });
    BOOST_FAIL("expected an error");
  } catch (const mpq::Error& e) {
    BOOST_TEST(std::string(e.what()).find("tiny board") != std::string::npos);
  }
  mpq::PolicySearch unfinished(space, budget, *evaluator, quick_search(""));
  const mpq::ComparisonInputs early{in.float_ckpt, in.float_path, in.graph, in.budget, in.train, in.val,
                                    in.test, in.evaluator, unfinished, in.open_data};
  BOOST_CHECK_THROW(mpq::compare_policies(early, quick_settings(dir + "/x"),
                                          [&](const mpq::ComparisonProgress&) { ++calls; }),
                    mpq::Error);
  BOOST_TEST(calls == 0);
  BOOST_TEST(!mpq::file_exists(dir + "/x"));
}

// With code in the budget (a board's), every row's FLASH is what its budget check counted,
// blob + libmpq_fw's code for its variants (what mpq memory --board prints), and fits it;
// the shrunk model's too, with its own variants' code.
BOOST_AUTO_TEST_CASE(with_code_in_the_budget_every_rows_flash_is_blob_and_code_as_checked) {
  if (!mpq::code_sizes_measured()) {
    BOOST_TEST_MESSAGE("skipped: this build measured no code sizes");
    return;
  }
  mpq::MemoryBudget board = budget;
  board.code = {"cortex-m4", "3"};
  const mpq::Policy w8a8 = mpq::uniform_policy(graph, 8, 8);
  board.flash += mpq::code_bytes(board.code, mpq::op_records(graph, mpq::op_bits(graph, w8a8))).total();
  run_search(board);
  auto s = quick_settings(dir + "/c");
  s.final_epochs = 0;
  s.rerank = 0;
  const mpq::ComparisonResult r = compare(s);
  BOOST_REQUIRE(r.results.size() > 4u);
  BOOST_TEST(r.results.back().name == "shrunk model, uniform 8-bit");
  for (const auto& row : r.results) {
    const bool shrunk = row.name == r.results.back().name;
    mpq::ModelSpec row_spec = spec;
    if (shrunk) row_spec = mpq::largest_fitting_8bit_model(spec, mpq::shrunk_input_sizes(spec), board);
    BOOST_REQUIRE(row.model == row_spec.to_string());
    mpq::Model m = mpq::build_model(row_spec, 1);
    const mpq::QuantGraph g = mpq::build_quant_graph(m);
    const mpq::Policy p = mpq::policy_from_key(g, row.bits);
    const mpq::MemoryReport checked = mpq::budget_memory(g, p, board);
    BOOST_TEST(row.flash == checked.flash_bytes, row.name);
    BOOST_TEST(row.model_flash == checked.model_flash_bytes, row.name);
    BOOST_TEST(row.code_flash == checked.code_flash_bytes, row.name);
    BOOST_TEST(row.code_flash > 0u, row.name);
    BOOST_TEST(row.flash <= board.flash, row.name);
  }
}

BOOST_AUTO_TEST_SUITE_END()
