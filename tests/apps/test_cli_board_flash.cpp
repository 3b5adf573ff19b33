// The FLASH a search's and a sweep's reports give a policy, through the command line: with
// a board, blob + libmpq_fw's code, the figure `mpq memory --board ... --json` gives the
// same policy and the one its budget was checked against; without one, the blob alone.
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_helpers.hpp"

using namespace mpq_cli_test;

namespace {

nlohmann::json json_of(const std::string& args) { return nlohmann::json::parse(expect_exit(args, 0).out); }

// A small float model (MobileNetV1 0.125) trained in two batches on tiny data; the search
// flags that keep its searches cheap (PACT: the auto 2-bit recipe is not under test).
struct BoardSetup : TinyFloat {
  std::string quick = " --quantizer pact --episodes 2 --warmup 1 --random-search 1 --finetune-batches 1 "
                      "--finetune-batch 16 --val-images 40 --final-epochs 0 --rerank 0 ";
  BoardSetup() : TinyFloat(tiny_float(200, 40, "--width 0.125 --max-batches 2")) {}
  // The policy file of a report row: the searched policy.json's layers with the row's bits
  // and model (a shrunk model's width and input).
  std::string policy_file(const std::string& search_dir, const nlohmann::json& row, int index) const {
    nlohmann::json p = nlohmann::json::parse(slurp(search_dir + "/policy.json"));
    std::smatch m;
    const std::string model = row["model"].get<std::string>(), bits = row["bits"].get<std::string>();
    BOOST_REQUIRE(std::regex_search(model, m, std::regex(" w([0-9.]+) (\\d+x\\d+x\\d+) ")));
    p["model"]["width"] = std::stod(m[1].str());
    p["model"]["input"] = m[2].str();
    std::istringstream layers(bits);
    std::string layer;
    for (auto& l : p["layers"]) {
      BOOST_REQUIRE(layers >> layer);
      const int w = std::stoi(layer.substr(0, layer.find(','))), a = std::stoi(layer.substr(layer.find(',') + 1));
      if (l.contains("w_bits")) l["w_bits"] = w;
      l["a_bits"] = a;
    }
    const std::string path = search_dir + "/row" + std::to_string(index) + ".json";
    std::ofstream(path) << p.dump(2);
    return path;
  }
  // Every row of `report` has the FLASH mpq memory gives its policy with `memory_budget`,
  // and fits the report's FLASH budget.
  void expect_rows_as_mpq_memory(const std::string& search_dir, const std::string& memory_budget) const {
    const nlohmann::json report = nlohmann::json::parse(slurp(search_dir + "/report.json"));
    BOOST_REQUIRE(report["results"].size() >= 3u);
    int i = 0;
    for (const auto& row : report["results"]) {
      const std::string what = row["name"].get<std::string>();
      const nlohmann::json m = json_of("memory --policy " + policy_file(search_dir, row, i++) + " " + memory_budget +
                                       " --json");
      BOOST_TEST(row["flash_bytes"] == m["flash_bytes"], what);
      BOOST_TEST(row["model_flash_bytes"] == m["model_flash_bytes"], what);
      BOOST_TEST(row["code_flash_bytes"] == m["code_flash_bytes"], what);
      BOOST_TEST(row["flash_bytes"].get<uint64_t>() <= report["flash_budget"].get<uint64_t>(), what);
    }
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_board_flash)

BOOST_AUTO_TEST_CASE(report_rows_give_the_flash_mpq_memory_gives_with_the_board_and_the_blob_without) {
  const BoardSetup s;
  const std::string model = "--width 0.125";
  if (json_of("memory " + model + " --board stm32l432 --json")["code_target"].is_null()) {
    BOOST_TEST_MESSAGE("skipped: this mpq measured no code sizes");
    return;
  }
  // FLASH where uniform w4a4 fits with its code (and w8a8 does not): the rows differ.
  nlohmann::json w4a4;
  const nlohmann::json fit = json_of("memory " + model + " --fit --board stm32l432 --json");
  for (const auto& p : fit["policies"])
    if (p["w_bits"] == 4 && p["a_bits"] == 4) w4a4 = p;
  const std::string flash = std::to_string(w4a4["flash_bytes"].get<uint64_t>());
  const std::string board = "--board stm32l432 --flash " + flash;
  expect_exit("search " + s.data + " --checkpoint " + s.dir + "/f.mpqc " + board + s.quick + "--shrunk-epochs 1 " +
                  "--out " + s.dir + "/b",
              0, "FLASH B: the model blob + libmpq_fw's code (cortex-m4 -O3)");
  s.expect_rows_as_mpq_memory(s.dir + "/b", board);
  const nlohmann::json with = nlohmann::json::parse(slurp(s.dir + "/b/report.json"));
  BOOST_TEST(with["code_target"] == "cortex-m4 -O3");
  BOOST_TEST(with["results"][0]["code_flash_bytes"].get<uint64_t>() > 0u);
  BOOST_TEST(contains(slurp(s.dir + "/b/report.md"), "| FLASH (model + code) |"));
  BOOST_TEST(contains(slurp(s.dir + "/b/search.svg"), ">FLASH, model + code (KiB)</text>"));

  // Without a board: the blob alone, as mpq memory --flash gives it.
  const std::string plain = "--flash " + std::to_string(w4a4["model_flash_bytes"].get<uint64_t>()) + " --ram 48KiB";
  expect_exit("search " + s.data + " --checkpoint " + s.dir + "/f.mpqc " + plain + s.quick + "--no-shrunk --out " +
                  s.dir + "/p",
              0, "FLASH B: the model blob,");
  s.expect_rows_as_mpq_memory(s.dir + "/p", plain);
  const nlohmann::json without = nlohmann::json::parse(slurp(s.dir + "/p/report.json"));
  BOOST_TEST(without["code_target"].is_null());
  for (const auto& row : without["results"]) BOOST_TEST(row["code_flash_bytes"] == 0);
  BOOST_TEST(contains(slurp(s.dir + "/p/report.md"), "| FLASH (model) |"));
}

BOOST_AUTO_TEST_CASE(a_sweep_on_a_board_counts_code_in_its_budgets_and_points) {
  const BoardSetup s;
  const nlohmann::json probe = json_of("memory --width 0.125 --uniform 4 --board stm32l432 --json");
  if (probe["code_target"].is_null()) {
    BOOST_TEST_MESSAGE("skipped: this mpq measured no code sizes");
    return;
  }
  const std::string sweep = "sweep " + s.data + " --checkpoint " + s.dir + "/f.mpqc --board stm32l432 --out " +
                            s.dir + "/s ";
  // The default grid starts at uniform 2 bits' blob and code; --code without a board is refused.
  expect_exit(sweep + "--dry-run", 0, "FLASH counts the blob and code (cortex-m4 -O3)");
  expect_exit("sweep " + s.data + " --checkpoint " + s.dir + "/f.mpqc --code s --dry-run", 2, "give --board too");
  const std::string budget =
      std::to_string(probe["flash_bytes"].get<uint64_t>()) + "/" + std::to_string(probe["ram_budget"].get<uint64_t>());
  expect_exit(sweep + "--budgets " + budget + s.quick + "--no-shrunk", 0, "budget 1/1");
  const nlohmann::json j = nlohmann::json::parse(slurp(s.dir + "/s/sweep.json"));
  BOOST_TEST(j["code_target"] == "cortex-m4 -O3");
  const std::string folder = s.dir + "/s/" + j["budgets"][0]["folder"].get<std::string>();
  const std::string memory_budget = "--board stm32l432 --flash " + budget.substr(0, budget.find('/'));
  s.expect_rows_as_mpq_memory(folder, memory_budget);
  // The sweep's points are its searches' rows.
  const nlohmann::json report = nlohmann::json::parse(slurp(folder + "/report.json"));
  BOOST_TEST(contains(report["budget"].get<std::string>(), "stm32l432"));
  for (const char* method : {"searched (DDPG)", "rule-based", "random search"}) {
    const auto& cell = j["budgets"][0]["methods"][method];
    bool found = false;
    for (const auto& row : report["results"])
      if (row["bits"] == cell["bits"] && row["flash_bytes"] == cell["flash_bytes"] &&
          row["code_flash_bytes"] == cell["code_flash_bytes"])
        found = true;
    BOOST_TEST(found, method);
    BOOST_TEST(cell["code_flash_bytes"].get<uint64_t>() > 0u, method);
  }
  BOOST_TEST(contains(slurp(s.dir + "/s/sweep.md"), "| FLASH budget (model + code) | RAM budget |"));
  BOOST_TEST(contains(slurp(s.dir + "/s/sweep.svg"), ">FLASH budget, model + code (KiB)</text>"));
}

BOOST_AUTO_TEST_SUITE_END()
