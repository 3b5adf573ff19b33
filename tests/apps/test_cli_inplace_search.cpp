// mpq search / memory --fit with --inplace depthwise through the command line: at a RAM
// budget between uniform 8-bit's in-place arena and its separate-buffer arena, the budget
// check with in-place pairs keeps 8-bit activations that the check without them must cut;
// the report's RAM of the searched policy is mpq memory's with in-place pairs and the
// arena in the header of the blob mpq export writes from its final checkpoint (which
// records the setting); a resume with another --inplace is refused; mpq sweep passes it on
// and a rerun with another is refused; mpq memory --fit gives the in-place RAM with the
// separate one beside.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_helpers.hpp"
#include "libmpq/runtime/blob_format.hpp"
#include "libmpq/runtime/blob_header.hpp"

using namespace mpq_cli_test;

namespace {

// The row whose name starts with `name`.
const nlohmann::json* row_named(const nlohmann::json& report, const std::string& name) {
  for (const nlohmann::json& row : report["results"])
    if (row["name"].get<std::string>().rfind(name, 0) == 0) return &row;
  return nullptr;
}

uint32_t header_arena(const std::string& blob) {
  const std::string bytes = slurp(blob);
  BOOST_REQUIRE(bytes.size() >= mpq::blob::kHeaderBytes);
  return mpq::rt::decode_blob_header(reinterpret_cast<const uint8_t*>(bytes.data())).arena_bytes;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_inplace_search)

BOOST_AUTO_TEST_CASE(in_place_pairs_keep_bits_the_separate_buffer_check_cuts) {
  const Workspace& w = workspace();
  const std::string dir = temp_dir();
  // The fixture's MobileNetV1 at uniform 8 bits: in-place pairs lower its arena (16,728
  // against 16,808 B when written); the budget lies between the two.
  const std::string memory = "memory --model " + w.float_checkpoint + " --uniform 8 --flash 1MiB --ram 1MiB --json";
  const auto in_place = nlohmann::json::parse(expect_exit(memory + " --inplace depthwise", 0).out);
  const uint64_t ram_in = in_place["ram_bytes"].get<uint64_t>(), ram_separate = in_place["separate_ram_bytes"];
  BOOST_REQUIRE(ram_in < ram_separate);
  const std::string budget = " --flash 1MiB --ram " + std::to_string((ram_in + ram_separate) / 2) + "B";

  const std::string search = "search --data " + w.dir + " --val-size 40 --threads 1 --checkpoint " +
                             w.float_checkpoint + " --episodes 2 --warmup 1 --random-search 0 --finetune-batches 1 " +
                             "--finetune-batch 16 --val-images 40 --final-epochs 0 --rerank 0 --no-shrunk " +
                             kPactRecipe + budget + " --out " + dir;
  expect_exit(search + "/none", 0);
  expect_exit(search + "/inplace --inplace depthwise", 0, "with --inplace depthwise");
  const auto none = nlohmann::json::parse(slurp(dir + "/none/report.json"));
  const auto report = nlohmann::json::parse(slurp(dir + "/inplace/report.json"));
  BOOST_TEST(none["inplace"] == "none");
  BOOST_TEST(report["inplace"] == "depthwise");

  // The rule-based policy is uniform 8-bit enforced: kept whole with pairs, cut without.
  const nlohmann::json* w8a8 = row_named(report, "uniform w8a8");
  const nlohmann::json* rule = row_named(report, "rule-based");
  const nlohmann::json* rule_none = row_named(none, "rule-based");
  BOOST_REQUIRE_MESSAGE((w8a8 && rule && rule_none), report["results"].dump() << "\n" << none["results"].dump());
  BOOST_TEST(row_named(none, "uniform w8a8") == nullptr, none["results"].dump());
  BOOST_TEST((*rule)["bits"] == (*w8a8)["bits"]);
  BOOST_TEST((*rule_none)["bits"] != (*w8a8)["bits"]);
  BOOST_TEST((*w8a8)["ram_bytes"].get<uint64_t>() == ram_in);
  BOOST_TEST((*w8a8)["separate_ram_bytes"].get<uint64_t>() == ram_separate);
  BOOST_TEST((*w8a8)["inplace_depthwise"] == true);
  BOOST_TEST((*rule_none)["inplace_depthwise"] == false);
  BOOST_TEST((*rule_none)["separate_ram_bytes"] == (*rule_none)["ram_bytes"]);
  BOOST_TEST(contains(slurp(dir + "/inplace/report.md"), "| RAM | RAM separate | RAM layer by layer |"));

  // The searched policy: its RAM is mpq memory's with pairs and its exported blob's arena;
  // mpq export takes --inplace depthwise from the final checkpoint.
  const nlohmann::json& searched = report["results"][0];
  const auto policy_memory = nlohmann::json::parse(
      expect_exit("memory --policy " + dir + "/inplace/policy.json --inplace depthwise --json" + budget, 0).out);
  BOOST_TEST(searched["ram_bytes"] == policy_memory["ram_bytes"], searched.dump());
  BOOST_TEST(searched["separate_ram_bytes"] == policy_memory["separate_ram_bytes"], searched.dump());
  const std::string blob = dir + "/searched.mpqm";
  const auto exported = nlohmann::json::parse(
      expect_exit("export --checkpoint " + dir + "/inplace/final/searched.mpqc --out " + blob + " --json", 0).out);
  BOOST_TEST(exported["inplace_depthwise"] == true);
  BOOST_TEST(exported["ram_bytes"] == searched["ram_bytes"]);
  BOOST_TEST(header_arena(blob) == searched["ram_bytes"].get<uint32_t>());
  // The baseline's blob carries its pairs too: uniform 8-bit's arena is the in-place one.
  expect_exit("export --checkpoint " + dir + "/inplace/final/uniform-w8a8.mpqc --out " + blob, 0);
  BOOST_TEST(header_arena(blob) == ram_in);

  // A resume with another --inplace is refused, naming the setting; a bad word is a usage error.
  const Run r = expect_exit(search + "/inplace --resume", 1, "other settings");
  BOOST_TEST(contains(r.out, "|inplace depthwise"), r.out);
  expect_exit(search + "/none --inplace depthwise --resume", 1, "other settings");
  expect_exit(search + "/x --inplace sideways", 2, "--inplace: 'sideways' is none of none, depthwise and all");
}

BOOST_AUTO_TEST_CASE(sweep_passes_inplace_on_and_a_rerun_with_another_is_refused) {
  const Workspace& w = workspace();
  const std::string dir = temp_dir();
  const auto one = nlohmann::json::parse(expect_exit(
      "memory --model " + w.float_checkpoint + " --uniform 8 --flash 1MiB --ram 1MiB --json --inplace depthwise", 0).out);
  const uint64_t ram_in = one["ram_bytes"], ram_separate = one["separate_ram_bytes"];
  BOOST_REQUIRE(ram_in < ram_separate);
  const std::string budget = "1MiB/" + std::to_string((ram_in + ram_separate) / 2) + "B";
  const std::string sweep = "sweep --data " + w.dir + " --val-size 40 --threads 1 --checkpoint " + w.float_checkpoint +
                            " --episodes 2 --warmup 1 --random-search 0 --finetune-batches 1 --finetune-batch 16 " +
                            "--val-images 40 --final-epochs 0 --rerank 0 --no-shrunk " + kPactRecipe +
                            " --budgets " + budget + " --out " + dir;
  expect_exit(sweep + " --inplace depthwise", 0, "RAM with --inplace depthwise");
  const auto summary = nlohmann::json::parse(slurp(dir + "/sweep.json"));
  BOOST_TEST(summary["inplace"] == "depthwise");
  BOOST_TEST(contains(slurp(dir + "/sweep.md"), "`--inplace depthwise`"));
  const auto budgets = summary["budgets"];
  BOOST_REQUIRE(budgets.size() == 1u);
  const auto report = nlohmann::json::parse(slurp(dir + "/" + budgets[0]["folder"].get<std::string>() + "/report.json"));
  BOOST_TEST(report["inplace"] == "depthwise");
  // Uniform 8-bit fits between its in-place arena and its separate one.
  BOOST_TEST(row_named(report, "uniform w8a8") != nullptr, report["results"].dump());
  expect_exit(sweep, 1, "holds a search with other settings");
}

BOOST_AUTO_TEST_CASE(memory_fit_gives_the_in_place_ram_and_the_separate_one) {
  const Workspace& w = workspace();
  const std::string fit = "memory --model " + w.float_checkpoint + " --fit --flash 1MiB --ram 1MiB --json";
  const auto in_place = nlohmann::json::parse(expect_exit(fit + " --inplace depthwise", 0).out);
  const auto separate = nlohmann::json::parse(expect_exit(fit, 0).out);
  BOOST_REQUIRE(in_place["policies"].size() == 9u);
  bool lower = false;
  for (size_t i = 0; i < 9; ++i) {
    const nlohmann::json &a = in_place["policies"][i], &b = separate["policies"][i];
    const std::string uniform = " --uniform-w " + std::to_string(a["w_bits"].get<int>()) + " --uniform-a " +
                                std::to_string(a["a_bits"].get<int>());
    const auto one = nlohmann::json::parse(
        expect_exit("memory --model " + w.float_checkpoint + uniform + " --flash 1MiB --ram 1MiB --json --inplace "
                    "depthwise", 0).out);
    BOOST_TEST(a["ram_bytes"] == one["ram_bytes"], uniform);
    BOOST_TEST(a["separate_ram_bytes"] == b["ram_bytes"], uniform);
    BOOST_TEST(b["separate_ram_bytes"] == b["ram_bytes"], uniform);
    BOOST_TEST(a["ram_bytes"].get<uint64_t>() <= b["ram_bytes"].get<uint64_t>(), uniform);
    lower = lower || a["ram_bytes"].get<uint64_t>() < b["ram_bytes"].get<uint64_t>();
  }
  BOOST_TEST(lower);
  BOOST_TEST(contains(expect_exit(fit.substr(0, fit.size() - 7) + " --inplace depthwise", 0).out, "separate B"));
}

BOOST_AUTO_TEST_SUITE_END()
