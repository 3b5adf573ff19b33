// mpq export --inplace depthwise|all with pairs chosen, through the commands: the blob's arena
// and flags read from its bytes, and eval and run against the --inplace none blob.
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_helpers.hpp"
#include "libmpq/data/npy_array.hpp"
#include "libmpq/runtime/blob_format.hpp"
#include "libmpq/runtime/blob_header.hpp"
#include "libmpq/runtime/op_record.hpp"

using namespace mpq_cli_test;

BOOST_AUTO_TEST_SUITE(cli_inplace)

// With pairs actually chosen (the fixture's MobileNetV1 at 8 bits: stageless, and with a
// streamed-input patch stage), the in-place blob's header arena is mpq memory's RAM (below
// the separate arena), some depthwise records carry the flag, and eval and run (fast and
// reference kernels) give what the --inplace none blob of the same checkpoint gives, logits
// bit for bit. The case above chooses no pair (its patch stage already lowers the peak).
BOOST_AUTO_TEST_CASE(chosen_in_place_pairs_give_the_memory_models_ram_and_the_same_logits) {
  const mpq_cli_test::Workspace& w = workspace();
  const std::string dir = temp_dir();
  mpq::NpyArray x{mpq::NpyType::uint8, {6, 1, 32, 32}, {}};
  uint32_t state = 12345;  // pseudo-random pixels: every tap byte matters
  for (int i = 0; i < 6 * 32 * 32; ++i) x.bytes += static_cast<char>((state = state * 1103515245u + 12345u) >> 24);
  std::ofstream(dir + "/x.npy", std::ios::binary) << mpq::encode_npy(x);
  // --inplace all: pointwise convs too, never more RAM than depthwise alone.
  int pointwise_flagged = 0;
  std::map<std::string, uint64_t> depthwise_ram;
  for (const std::string kinds : {"depthwise", "all"})
  for (const std::string patch : {"", " --patch auto --patch-input stream"}) {
    const auto memory = nlohmann::json::parse(
        expect_exit("memory --model " + w.q8 + " --uniform 8 --inplace " + kinds + " --json" + patch, 0).out);
    const uint64_t ram = memory["ram_bytes"].get<uint64_t>();
    BOOST_TEST(ram < memory["separate_ram_bytes"].get<uint64_t>(), patch);
    BOOST_TEST(memory["inplace"].get<std::string>() == kinds);
    if (kinds == "depthwise") depthwise_ram[patch] = ram;
    else BOOST_TEST(ram <= depthwise_ram[patch], patch);
    const std::string plain = dir + "/plain.mpqm", in_place = dir + "/inplace.mpqm";
    expect_exit("export --checkpoint " + w.q8 + " --out " + plain + patch, 0);
    const auto exported = nlohmann::json::parse(
        expect_exit("export --checkpoint " + w.q8 + " --out " + in_place + " --inplace " + kinds + " --json" + patch, 0).out);
    BOOST_TEST(exported["ram_bytes"].get<uint64_t>() == ram, patch);

    auto flagged_ops = [&](const std::string& path, uint32_t* arena) {
      const std::string bytes = slurp(path);
      BOOST_REQUIRE(bytes.size() >= mpq::blob::kHeaderBytes);
      const auto* b = reinterpret_cast<const uint8_t*>(bytes.data());
      const mpq::rt::BlobHeader h = mpq::rt::decode_blob_header(b);
      BOOST_REQUIRE(h.ops_offset + size_t{h.op_count} * mpq::blob::kOpRecordBytes <= bytes.size());
      *arena = h.arena_bytes;
      int n = 0;
      for (uint16_t i = 0; i < h.op_count; ++i) {
        const mpq::rt::OpRecord r = mpq::rt::decode_op_record(b + h.ops_offset + size_t{i} * mpq::blob::kOpRecordBytes);
        if ((r.flags & mpq::blob::kOpFlagInPlace) == 0) continue;
        BOOST_TEST((r.kind == mpq::blob::op_kind::depthwise || (kinds == "all" && r.kind == mpq::blob::op_kind::conv)));
        pointwise_flagged += r.kind == mpq::blob::op_kind::conv ? 1 : 0;
        ++n;
      }
      return n;
    };
    uint32_t arena = 0, plain_arena = 0;
    BOOST_TEST(flagged_ops(in_place, &arena) >= 1, patch);
    BOOST_TEST(arena == ram, patch);
    BOOST_TEST(flagged_ops(plain, &plain_arena) == 0, patch);
    BOOST_TEST(plain_arena == memory["separate_ram_bytes"].get<uint64_t>(), patch);

    const std::string eval = "eval " + w.data_flags + " --checkpoint " + w.q8 + " --json --model ";
    auto without_run = [](const std::string& out) {
      nlohmann::json j = nlohmann::json::parse(out);
      j.erase("model");
      j.erase("seconds");
      return j;
    };
    BOOST_TEST(without_run(expect_exit(eval + plain, 0).out) == without_run(expect_exit(eval + in_place, 0).out), patch);
    for (const std::string kernels : {"", " --reference"}) {
      const std::string run = "run --npy " + dir + "/x.npy --json" + kernels + " --model ";
      const auto expected = logits_of(mpq_cli_test::mpq(run + plain));
      BOOST_TEST(expected.size() == 6u);
      BOOST_TEST(logits_of(mpq_cli_test::mpq(run + in_place)) == expected, kinds + patch + kernels);
    }
  }
  BOOST_TEST(pointwise_flagged > 0);
}

BOOST_AUTO_TEST_SUITE_END()
