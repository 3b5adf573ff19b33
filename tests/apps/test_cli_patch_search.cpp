// mpq search --patch auto through the command line: the RAM the report gives a policy is
// the arena of the blob mpq export writes from its final checkpoint (which records the
// stage) and what mpq memory computes for the policy with that stage; the stage is part
// of the search's settings; a stage that cannot run is a one-line error; at a FLASH
// budget of the layer-by-layer blob no stage is taken, since its record costs FLASH. With
// --patch-input stream the final checkpoint records a streamed stage, which mpq export takes
// by default: the report's RAM is that blob's arena, and mpq eval runs it.
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>
#include <string>

#include "cli_helpers.hpp"

using namespace mpq_cli_test;

namespace {

// The text after `"key": ` at or after `from` in pretty-printed JSON, up to the line's end.
std::string json_value(const std::string& json, const std::string& key, size_t from = 0) {
  const size_t at = json.find("\"" + key + "\": ", from);
  BOOST_REQUIRE_MESSAGE(at != std::string::npos, key << " in " << json);
  const size_t begin = at + key.size() + 4;
  std::string v = json.substr(begin, json.find('\n', begin) - begin);
  if (!v.empty() && v.back() == ',') v.pop_back();
  return v;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_patch_search)

BOOST_AUTO_TEST_CASE(the_searched_policys_ram_is_its_exported_blobs_arena_with_the_recorded_stage) {
  const TinyFloat tiny = tiny_float();
  const std::string &dir = tiny.dir, &data = tiny.data;
  // 14 KiB binds: uniform 8-bit needs about 24 KiB layer by layer, 13 KiB with a stage.
  const std::string search = "search " + data + " --checkpoint " + dir + "/f.mpqc --episodes 3 --warmup 2 " +
                             "--random-search 1 --finetune-batches 1 --finetune-batch 16 --val-images 40 " +
                             "--final-epochs 0 --rerank 0 --no-shrunk --flash 120KiB --ram 14KiB " + kPactRecipe +
                             " --out " + dir + "/s";
  Run r = expect_exit(search + " --patch auto", 0, "with --patch auto");
  const std::string report = slurp(dir + "/s/report.json");
  BOOST_TEST(json_value(report, "patch") == "\"auto\"");
  const size_t results = report.find("\"results\"");
  BOOST_REQUIRE(results != std::string::npos);
  // The first row is the searched policy's (keys in alphabetical order).
  const std::string ram = json_value(report, "ram_bytes", results);
  const std::string stage = json_value(report, "patch", results);
  BOOST_TEST(std::stoul(ram) <= 14u * 1024u, report);
  BOOST_TEST(contains(slurp(dir + "/s/report.md"), "| RAM layer by layer | patch stage | MACs |"));

  r = expect_exit("export --checkpoint " + dir + "/s/final/searched.mpqc --out " + dir + "/s.mpqm --json", 0);
  BOOST_TEST(json_value(r.out, "ram_bytes") == ram, r.out);
  if (stage == "null") {
    BOOST_TEST(json_value(r.out, "patch") == "null", r.out);
  } else {
    BOOST_TEST(json_value(r.out, "grid") == stage.substr(stage.find(':') + 1, stage.size() - stage.find(':') - 2));
  }
  // The search takes a stage only where the policy is over the RAM budget layer by layer;
  // mpq memory --patch auto gives the least RAM, which is never more.
  const std::string memory = "memory --policy " + dir + "/s/policy.json --flash 120KiB --ram 14KiB --json --patch ";
  const std::string taken = stage == "null" ? "none" : stage.substr(1, stage.size() - 2);
  BOOST_TEST(json_value(expect_exit(memory + taken, 0).out, "ram_bytes") == ram);
  BOOST_TEST(std::stoul(json_value(expect_exit(memory + "auto", 0).out, "ram_bytes")) <= std::stoul(ram));

  r = expect_exit(search + " --resume", 1, "other settings");
  BOOST_TEST(contains(r.out, "|patch auto"), r.out);
  expect_exit(search + " --patch auto --patch-max-overhead -1 --resume", 2, "--patch-max-overhead");
  expect_exit(search + "2 --patch 0:40", 1, "mpq: error: --patch: grid 40 is larger than op 0's");
}

BOOST_AUTO_TEST_CASE(at_a_flash_budget_of_the_layer_by_layer_blob_the_search_takes_no_stage) {
  // The budget of uniform w2a8 layer by layer: the least FLASH of any policy, the RAM of
  // 8-bit activations, which a stage would lower (and its record put FLASH over).
  const TinyFloat tiny = tiny_float();
  const std::string &dir = tiny.dir, &data = tiny.data;
  const std::string memory =
      "memory --model " + dir + "/f.mpqc --uniform-w 2 --uniform-a 8 --flash 1MiB --ram 1MiB --json";
  const nlohmann::json plain = nlohmann::json::parse(expect_exit(memory + " --patch none", 0).out);
  const nlohmann::json staged = nlohmann::json::parse(expect_exit(memory + " --patch auto", 0).out);
  BOOST_REQUIRE(!staged["patch"].is_null());
  BOOST_REQUIRE(staged["flash_bytes"].get<uint64_t>() > plain["flash_bytes"].get<uint64_t>());
  const std::string flash = std::to_string(plain["flash_bytes"].get<uint64_t>());
  const std::string ram = std::to_string(plain["ram_bytes"].get<uint64_t>());
  const std::string search = "search " + data + " --checkpoint " + dir + "/f.mpqc --episodes 2 --warmup 1 " +
                             "--random-search 1 --finetune-batches 1 --finetune-batch 16 --val-images 40 " +
                             "--final-epochs 0 --rerank 0 --no-shrunk --quantizer pact --patch auto --flash " + flash +
                             "B --ram " + ram + "B --out " + dir + "/s";
  expect_exit(search, 0);
  const nlohmann::json report = nlohmann::json::parse(slurp(dir + "/s/report.json"));
  bool uniform_w2a8 = false;
  for (const nlohmann::json& row : report["results"]) {
    const std::string name = row["name"];
    BOOST_TEST(row["flash_bytes"].get<uint64_t>() <= plain["flash_bytes"].get<uint64_t>(), name);
    BOOST_TEST(row["ram_bytes"].get<uint64_t>() <= plain["ram_bytes"].get<uint64_t>(), name);
    BOOST_TEST(row["patch"].is_null(), name);
    uniform_w2a8 = uniform_w2a8 || name == "uniform w2a8";
  }
  BOOST_TEST(uniform_w2a8, report["results"].dump());
  // mpq export's default is the stage the final checkpoint records: none.
  Run r = expect_exit("export --checkpoint " + dir + "/s/final/searched.mpqc --out " + dir + "/s.mpqm --json", 0);
  BOOST_TEST(nlohmann::json::parse(r.out)["patch"].is_null(), r.out);
  BOOST_TEST(nlohmann::json::parse(r.out)["flash_bytes"].get<uint64_t>() <= plain["flash_bytes"].get<uint64_t>());
}

BOOST_AUTO_TEST_CASE(with_a_streamed_input_the_report_ram_is_the_exported_streamed_blobs_arena) {
  const TinyFloat tiny = tiny_float();
  const std::string &dir = tiny.dir, &data = tiny.data;
  const std::string search = "search " + data + " --checkpoint " + dir + "/f.mpqc --episodes 2 --warmup 1 " +
                             "--random-search 1 --finetune-batches 1 --finetune-batch 16 --val-images 40 " +
                             "--final-epochs 0 --rerank 0 --no-shrunk --flash 120KiB --ram 14KiB " + kPactRecipe +
                             " --out " + dir + "/s";
  expect_exit(search + " --patch-input stream", 2, "--patch none");
  expect_exit(search + " --patch auto --patch-input stream", 0, "--patch-input stream");
  const nlohmann::json report = nlohmann::json::parse(slurp(dir + "/s/report.json"));
  BOOST_TEST(report["patch_input"] == "stream");
  // Uniform w2a8 fits 120 KiB of FLASH and needs a stage at 14 KiB of RAM (24,720 B layer
  // by layer, 13,384 B with one), so its row always has one; the searched policy may fit
  // layer by layer.
  bool uniform_w2a8 = false;
  for (const nlohmann::json& row : report["results"]) {
    const std::string name = row["name"];
    if (name != "uniform w2a8" && name.find("searched") == std::string::npos) continue;
    uniform_w2a8 = uniform_w2a8 || name == "uniform w2a8";
    const bool staged = !row["patch"].is_null();
    BOOST_TEST((staged || name != "uniform w2a8"), row.dump());
    if (staged) BOOST_TEST(row["patch_input"] == "stream", row.dump());
    const std::string ckpt = dir + "/s/final/" + (name == "uniform w2a8" ? "uniform-w2a8" : "searched") + ".mpqc";
    const Run r = expect_exit("export --checkpoint " + ckpt + " --out " + dir + "/s.mpqm --json", 0);
    const nlohmann::json exported = nlohmann::json::parse(r.out);
    BOOST_TEST(exported["ram_bytes"] == row["ram_bytes"], name << ": " << r.out);
    BOOST_TEST(exported["patch"].is_null() == !staged, name << ": " << r.out);
    if (staged) {
      BOOST_TEST(exported["patch"]["stream_input"] == true, r.out);
      const std::string stage = row["patch"];
      BOOST_TEST(exported["patch"]["grid"].get<int>() == std::stoi(stage.substr(stage.find(':') + 1)), r.out);
    }
    expect_integer_agreement(data, ckpt, dir + "/s.mpqm", 0.95);
  }
  BOOST_TEST(uniform_w2a8, report["results"].dump());
  BOOST_TEST(contains(slurp(dir + "/s/report.md"), ", input streamed |"));
  const Run r = expect_exit(search + " --patch auto --resume", 1, "other settings");
  BOOST_TEST(contains(r.out, "|patch-input stream"), r.out);
}

BOOST_AUTO_TEST_SUITE_END()
