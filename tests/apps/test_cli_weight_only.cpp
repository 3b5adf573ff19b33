// mpq search --weights-only and k-means weights through the command line: the search's
// policies keep 8-bit activations, its mode is part of its state, k-means checkpoints
// fine-tune and evaluate but do not export.
#include <boost/test/unit_test.hpp>

#include <string>

#include "cli_helpers.hpp"

using namespace mpq_cli_test;

BOOST_AUTO_TEST_SUITE(cli_weight_only)

BOOST_AUTO_TEST_CASE(kmeans_checkpoints_finetune_and_evaluate_but_export_refuses_them) {
  const TinyFloat tiny = tiny_float();
  const std::string& dir = tiny.dir;
  const std::string data = tiny.data + " --batch 32";
  const std::string q = "finetune " + data + " --checkpoint " + dir + "/f.mpqc --uniform-w 4 --uniform-a 8 ";
  expect_exit(q + "--weight-quantizer kmeans --epochs 1 --max-batches 2 --out " + dir + "/k.mpqc --json", 0,
              "\"weight_quantizer\": \"kmeans\"");
  expect_exit("eval " + data + " --checkpoint " + dir + "/k.mpqc --json", 0, "\"kind\": \"finetune\"");
  const Run r = expect_exit("export --checkpoint " + dir + "/k.mpqc --out " + dir + "/k.mpqm", 1,
                            "mpq: error: " + dir + "/k.mpqc: has k-means weights");
  BOOST_TEST(contains(r.out, "not integer-deployable"));
  BOOST_TEST(!exists(dir + "/k.mpqm"));
  expect_exit(q + "--epochs 2 --max-batches 2 --resume --out " + dir + "/k.mpqc", 2, "--weight-quantizer kmeans");
  expect_exit(q + "--weight-quantizer kmean --out " + dir + "/x.mpqc", 2, "expected uniform or kmeans");
  expect_exit(q + "--weight-quantizer kmeans --per-tensor --out " + dir + "/x.mpqc", 2, "--per-tensor");
}

BOOST_AUTO_TEST_CASE(a_weight_only_search_keeps_8bit_activations_and_refuses_a_resume_in_the_other_mode) {
  const TinyFloat tiny = tiny_float();
  const std::string &dir = tiny.dir, &data = tiny.data;
  const std::string search = "search " + data + " --checkpoint " + dir + "/f.mpqc --episodes 3 --warmup 2 " +
                             "--random-search 1 --finetune-batches 1 --finetune-batch 16 --val-images 40 " +
                             "--final-epochs 0 --rerank 0 --no-shrunk --flash 100KiB " + kPactRecipe + " --out " + dir +
                             "/w";
  Run r = expect_exit(search + " --weights-only", 0, "weight-only");
  const std::string report = slurp(dir + "/w/report.md");
  BOOST_TEST(contains(report, "k-means uniform w2 (not integer-deployable)"), report);
  BOOST_TEST(contains(report, "RAM not enforced"), report);
  // Every evaluated policy: "w,8" for each layer (the logits, too, are 8-bit).
  const std::string episodes = slurp(dir + "/w/episodes.csv");
  BOOST_TEST(!contains(episodes, ",4 "), episodes);
  BOOST_TEST(!contains(episodes, ",2 "), episodes);
  BOOST_TEST(!contains(episodes, ",4\""), episodes);
  BOOST_TEST(!contains(episodes, ",2\""), episodes);
  expect_exit(search + " --ram 12KiB --resume", 1, "holds a weight-only (--weights-only) search");
  expect_exit(search + "x --weights-only --ram 1KiB", 1, "activations stay 8-bit");
}

BOOST_AUTO_TEST_SUITE_END()
