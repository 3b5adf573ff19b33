// The final comparison's statistics and how the report shows repeated fine-tunes.
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "libmpq/search/search_report.hpp"

using namespace mpq;

BOOST_AUTO_TEST_SUITE(search_report)

BOOST_AUTO_TEST_CASE(mean_and_sample_standard_deviation_of_the_final_runs) {
  FinalResult r;
  r.test_runs = {0.90, 0.92, 0.94};
  r.val_runs = {0.91, 0.93, 0.95};
  BOOST_CHECK_CLOSE(r.test_mean(), 0.92, 1e-9);
  BOOST_CHECK_CLOSE(r.val_mean(), 0.93, 1e-9);
  BOOST_CHECK_CLOSE(r.test_std(), 0.02, 1e-9);  // sqrt((0.02^2 + 0 + 0.02^2) / 2)
  FinalResult one;
  one.test_runs = {0.5};
  BOOST_CHECK_EQUAL(one.test_std(), 0.0);
  BOOST_CHECK_EQUAL(FinalResult().test_mean(), -1.0);  // no run: shown as "-"
}

BOOST_AUTO_TEST_CASE(report_shows_every_seed_and_the_mean) {
  SearchSummary s;
  s.model = "m";
  s.final_epochs = 1;
  s.final_seeds = 3;
  FinalResult r;
  r.name = "searched (DDPG)";
  r.test_runs = {0.9161, 0.9195, 0.9183};
  r.val_runs = {0.93, 0.93, 0.93};
  FinalResult single;
  single.name = "uniform w2a2";
  single.test_runs = {0.1138};
  single.val_runs = {0.1178};
  const std::string md = report_markdown(s, {r, single});
  BOOST_TEST(md.find("91.80% ± 0.17 (91.61, 91.95, 91.83)") != std::string::npos, md);
  BOOST_TEST(md.find("repeated with 3 seeds") != std::string::npos);
  BOOST_TEST(md.find("| 11.38% |") != std::string::npos, md);
  const nlohmann::json j = nlohmann::json::parse(report_json(s, {r, single}));
  BOOST_CHECK_EQUAL(j["final_seeds"].get<int>(), 3);
  BOOST_CHECK_EQUAL(j["results"][0]["test_runs"].size(), 3u);
  BOOST_CHECK_CLOSE(j["results"][0]["test_accuracy"].get<double>(), (0.9161 + 0.9195 + 0.9183) / 3, 1e-9);
  BOOST_CHECK_EQUAL(j["results"][1]["test_std"].get<double>(), 0.0);
}

BOOST_AUTO_TEST_CASE(report_lists_notes_such_as_a_missing_baseline) {
  SearchSummary s;
  s.notes.push_back("shrunk 8-bit baseline: none fits");
  BOOST_TEST(report_markdown(s, {}).find("- shrunk 8-bit baseline: none fits\n") != std::string::npos);
  const nlohmann::json j = nlohmann::json::parse(report_json(s, {}));
  BOOST_CHECK_EQUAL(j["notes"][0].get<std::string>(), "shrunk 8-bit baseline: none fits");
}

BOOST_AUTO_TEST_SUITE_END()
