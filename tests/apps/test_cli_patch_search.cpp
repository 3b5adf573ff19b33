// mpq search --patch auto through the command line: the RAM the report gives a policy is
// the arena of the blob mpq export writes from its final checkpoint (which records the
// stage) and what mpq memory computes for the policy with that stage; the stage is part
// of the search's settings; a stage that cannot run is a one-line error.
#include <boost/test/unit_test.hpp>

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
  const std::string dir = temp_dir();
  write_tiny_idx(dir, "train", 200);
  write_tiny_idx(dir, "t10k", 40);
  const std::string data = "--data " + dir + " --val-size 40 --threads 1";
  Run r = mpq("train " + data + " --epochs 1 --batch 32 --max-batches 2 --out " + dir + "/f.mpqc");
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.out);
  // 14 KiB binds: uniform 8-bit needs about 24 KiB layer by layer, 13 KiB with a stage.
  const std::string search = "search " + data + " --checkpoint " + dir + "/f.mpqc --episodes 3 --warmup 2 " +
                             "--random-search 1 --finetune-batches 1 --finetune-batch 16 --val-images 40 " +
                             "--final-epochs 0 --rerank 0 --no-shrunk --flash 120KiB --ram 14KiB --out " + dir + "/s";
  r = expect_exit(search + " --patch auto", 0, "with --patch auto");
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
  const std::string memory = "memory --policy " + dir + "/s/policy.json --flash 120KiB --ram 14KiB --json --patch ";
  BOOST_TEST(json_value(expect_exit(memory + "auto", 0).out, "ram_bytes") == ram);
  if (stage != "null")
    BOOST_TEST(json_value(expect_exit(memory + stage.substr(1, stage.size() - 2), 0).out, "ram_bytes") == ram);

  r = expect_exit(search + " --resume", 1, "other settings");
  BOOST_TEST(contains(r.out, "|patch auto"), r.out);
  expect_exit(search + " --patch auto --patch-max-overhead -1 --resume", 2, "--patch-max-overhead");
  expect_exit(search + "2 --patch 0:40", 1, "mpq: error: --patch: grid 40 is larger than op 0's");
}

BOOST_AUTO_TEST_SUITE_END()
