// A streamed input (PatchStage::stream_input): the patch stage from op 0 reads the raw
// image window by window from the caller's reader, buffer 0 is empty, and the run gives
// bit for bit the codes of the same blob exported with the whole input, with fast and
// reference kernels, through the C++ and the C entry points; the arena is mpq memory's RAM
// to the byte and below the whole-input arena by the input's bytes or more; the reader is
// asked for exactly the tiles' input windows; every misuse is a status (or a host Error),
// never a crash.
#include <boost/test/unit_test.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "libmpq/core/error.hpp"
#include "libmpq/mcu/memory_model.hpp"
#include "libmpq/mcu/patch_plan.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/quant/op_records.hpp"
#include "libmpq/runtime/mpq_fw.h"
#include "mcu/mcu_fixtures.hpp"
#include "runtime/runtime_fixtures.hpp"

using namespace mpq;
using rt::KernelVariant;
using rt::PatchStage;
using rt::Status;

namespace {

PatchStage streamed(size_t ops, int grid) {
  PatchStage s{0, static_cast<uint8_t>(ops), static_cast<uint8_t>(grid)};
  s.stream_input = true;
  return s;
}

// The reader of a test: windows of an image in memory, each call recorded; fails on call
// `fail_at` (never when negative).
struct Source {
  const std::vector<uint8_t>* image = nullptr;
  uint32_t width = 0, channels = 0;
  int calls = 0, fail_at = -1;
  uint64_t pixels_read = 0;
};

int read_window(void* user, uint16_t row, uint16_t rows, uint16_t col, uint16_t cols, uint8_t* pixels) {
  Source& s = *static_cast<Source*>(user);
  if (s.calls++ == s.fail_at) return 7;
  for (uint32_t r = 0; r < rows; ++r)
    std::memcpy(pixels + static_cast<size_t>(r) * cols * s.channels,
                s.image->data() + ((static_cast<size_t>(row) + r) * s.width + col) * s.channels,
                static_cast<size_t>(cols) * s.channels);
  s.pixels_read += static_cast<uint64_t>(rows) * cols;
  return 0;
}

// run_model with a reader in a fresh arena of exactly arena_bytes filled with garbage;
// the output codes, empty (and a failed check) on any status but ok.
std::vector<int32_t> run_streamed(const rt::ModelView& model, const std::vector<uint8_t>& image, KernelVariant variant,
                                  Source* source = nullptr) {
  Source local;
  Source& s = source != nullptr ? *source : local;
  s.image = &image;
  s.width = model.input_w;
  s.channels = model.input_c;
  std::vector<uint32_t> words(model.arena_bytes / 4 + 1);
  std::memset(words.data(), 0x5A, words.size() * 4);
  rt::InputStream input;
  input.read = read_window;
  input.user = &s;
  const Status status = rt::run_model(model, input, words.data(), model.arena_bytes, variant);
  BOOST_CHECK_MESSAGE(status == Status::ok, "run_model (streamed): " << rt::status_name(status));
  if (status != Status::ok) return {};
  std::vector<int32_t> codes(model.classes);
  BOOST_CHECK(rt::unpack_output(model, words.data(), codes.data(), model.classes) == Status::ok);
  return codes;
}

// The streamed blob of `patch` against the same seed's blob with the whole input (no
// stage): same codes, fast and reference, on `images` images; its arena is memory_report's
// RAM for the streamed stage, and the whole-input stage's minus at least the input's bytes
// (aligned) when that one's peak holds the input. Loads without the RAM rule (small graphs).
void check_streamed(const QuantGraph& graph, const Policy& policy, PatchStage patch, uint64_t seed, int images,
                    const std::string& what) {
  const std::vector<OpRecord> records = op_records(graph, policy);
  const std::vector<uint8_t> plain_blob = test::random_valid_blob(graph, policy, seed);
  const std::vector<uint8_t> blob = test::random_valid_blob(graph, policy, seed, patch);
  const test::LoadResult plain = test::load(plain_blob);
  const test::LoadResult loaded = test::load_any_stage(blob);
  BOOST_REQUIRE_MESSAGE(plain.status == Status::ok, what << ": plain load: " << plain.status);
  BOOST_REQUIRE_MESSAGE(loaded.status == Status::ok, what << ": streamed load: " << loaded.status << " op "
                                                         << loaded.error.op << " buffer " << loaded.error.buffer);
  BOOST_TEST(loaded.model.patch.stream_input, what);
  const MemoryReport report = memory_report(records, patch);
  BOOST_TEST(loaded.model.arena_bytes == report.ram_bytes, what << ": arena vs RAM");
  BOOST_TEST(report.input_bytes == 0u, what);
  PatchStage whole = patch;
  whole.stream_input = false;
  BOOST_TEST(report.ram_bytes <= memory_report(records, whole).ram_bytes, what << ": streamed vs whole-input RAM");
  for (int i = 0; i < images; ++i) {
    const std::vector<uint8_t> image = test::random_image(graph, seed * 100 + static_cast<uint64_t>(i));
    const std::vector<int32_t> expected = test::run(plain.model, image, KernelVariant::fast);
    Source source;
    BOOST_TEST(run_streamed(loaded.model, image, KernelVariant::fast, &source) == expected,
               what << " image " << i << " (fast)");
    BOOST_TEST(source.calls == patch.grid * patch.grid, what << ": one window per tile");
    BOOST_TEST(source.pixels_read >= static_cast<uint64_t>(loaded.model.input_h) * loaded.model.input_w, what);
    BOOST_TEST(run_streamed(loaded.model, image, KernelVariant::reference) == expected,
               what << " image " << i << " (reference)");
  }
}

QuantGraph builder_graph(const char* arch) {
  ModelSpec spec;  // width 0.25, 1x32x32, 10 classes
  spec.arch = arch;
  return build_quant_graph(build_model(spec, 3));
}

std::vector<uint8_t> streamed_chain_blob(PatchStage patch = streamed(2, 2)) {
  const QuantGraph graph = test::graph_of(test::chain_model());
  return test::random_valid_blob(graph, uniform_policy(graph, 8, 8), 3, patch);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(streamed_input)

BOOST_AUTO_TEST_CASE(small_graphs_give_the_whole_input_outputs_for_every_stage_and_grid) {
  for (const auto& [label, model] : {std::pair{"chain", test::chain_model()},
                                     std::pair{"odd channels", test::odd_channel_model()},
                                     std::pair{"windows", test::window_model()},
                                     std::pair{"residual", test::residual_model()}}) {
    const QuantGraph graph = test::graph_of(model);
    uint64_t seed = 11;
    for (const test::NamedPolicy& p : test::test_policies(graph)) {
      const std::vector<OpRecord> records = op_records(graph, p.policy);
      const std::vector<uint8_t> bytes = encoded_records(records);
      for (size_t n = 1; n <= records.size() && n <= rt::kMaxPatchOps; ++n) {
        if (rt::check_patch_stage(bytes.data(), static_cast<uint16_t>(records.size()), streamed(n, 1), nullptr) !=
            Status::ok)
          continue;
        const int32_t out = std::min(records[n - 1].out_h, records[n - 1].out_w);
        for (int grid = 1; grid <= out && grid <= 4; ++grid)
          check_streamed(graph, p.policy, streamed(n, grid), seed++, 2,
                         std::string(label) + ", " + p.label + ", " + std::to_string(n) + " ops, grid " +
                             std::to_string(grid));
      }
    }
  }
}

// The builders with the stage mpq memory --patch auto --patch-input stream picks, and two
// by hand (MobileNetV2 and MNasNet: through a residual add).
BOOST_AUTO_TEST_CASE(real_builders_give_the_whole_input_outputs_and_load_under_the_ram_rule) {
  int chosen_count = 0;
  for (const char* arch : {"mobilenet_v1", "mobilenet_v2", "mnasnet"}) {
    const QuantGraph graph = builder_graph(arch);
    uint64_t seed = 70;
    for (const test::NamedPolicy& p : test::test_policies(graph)) {
      const std::vector<OpRecord> records = op_records(graph, p.policy);
      // At 1x32x32 the peak may lie past any stage (then auto picks none).
      const PatchStage chosen = choose_patch_stage(records, 0.2, true);
      const std::string what = std::string(arch) + ", " + p.label + ", auto";
      if (chosen.present()) {
        BOOST_TEST(chosen.stream_input, what);
        check_streamed(graph, p.policy, chosen, seed++, 2, what);
        // The chosen stage saves RAM: the strict load accepts it.
        BOOST_TEST(test::load(test::random_valid_blob(graph, p.policy, seed, chosen)).status == Status::ok, what);
        ++chosen_count;
      }
      // The longest stage from op 0 (through a residual add on MobileNetV2 and MNasNet).
      const std::vector<uint8_t> bytes = encoded_records(records);
      size_t longest = 1;
      for (size_t n = 1; n <= rt::kMaxPatchOps && n <= records.size(); ++n)
        if (rt::check_patch_stage(bytes.data(), static_cast<uint16_t>(records.size()), streamed(n, 1), nullptr) ==
            Status::ok)
          longest = n;
      for (int grid : {2, 3})
        check_streamed(graph, p.policy, streamed(longest, grid), seed++, 1,
                       std::string(arch) + ", " + p.label + ", " + std::to_string(longest) + " ops, grid " +
                           std::to_string(grid));
    }
  }
  BOOST_TEST(chosen_count > 0);
}

// Where the whole-input stage peaks on its input (MobileNetV2 0.5 at 3x128x128, 4 bits:
// mpq memory --model mobilenet_v2 --width 0.5 --input 3x128x128 --classes 10 --uniform 4
// --patch auto [--patch-input stream]: 69,896 B, streamed 32,808 B), streaming saves at
// least half the input's 49,152 B; the input buffer is 0 B.
BOOST_AUTO_TEST_CASE(a_streamed_blob_is_smaller_in_ram_by_about_its_input) {
  ModelSpec spec;
  spec.arch = "mobilenet_v2";
  spec.width = 0.5f;
  spec.in_channels = 3;
  spec.in_height = spec.in_width = 128;
  spec.small_input = false;  // as mpq memory sets it for inputs of 100 pixels or more
  const QuantGraph graph = build_quant_graph(build_model(spec, 1));
  const std::vector<OpRecord> records = op_records(graph, uniform_policy(graph, 4, 4));
  const PatchStage s = choose_patch_stage(records, 0.2, true);
  const PatchStage w = choose_patch_stage(records, 0.2, false);
  const MemoryReport with_stream = memory_report(records, s), whole = memory_report(records, w);
  BOOST_TEST(with_stream.input_bytes == 0u);
  BOOST_TEST(whole.input_bytes == 3u * 128 * 128);
  BOOST_TEST(with_stream.ram_bytes + 3u * 128 * 128 / 2 <= whole.ram_bytes);
}

BOOST_AUTO_TEST_CASE(the_wrong_entry_point_a_null_reader_and_a_failing_reader_are_statuses) {
  const QuantGraph graph = test::graph_of(test::chain_model());
  const Policy policy = uniform_policy(graph, 8, 8);
  // The views point into the blobs: both outlive them.
  const std::vector<uint8_t> stream_blob = streamed_chain_blob(), whole_blob = test::random_valid_blob(graph, policy, 3);
  const test::LoadResult stream = test::load_any_stage(stream_blob);
  const test::LoadResult whole = test::load(whole_blob);
  BOOST_REQUIRE(stream.status == Status::ok);
  BOOST_REQUIRE(whole.status == Status::ok);
  const std::vector<uint8_t> image = test::random_image(graph, 1);
  std::vector<uint32_t> arena(std::max(stream.model.arena_bytes, whole.model.arena_bytes) / 4 + 1);
  const uint32_t bytes = static_cast<uint32_t>(arena.size() * 4);
  BOOST_TEST(rt::run_model(stream.model, image.data(), arena.data(), bytes) == Status::input_mode_mismatch);
  Source source;
  source.image = &image;
  source.width = stream.model.input_w;
  source.channels = stream.model.input_c;
  rt::InputStream input;
  input.read = read_window;
  input.user = &source;
  BOOST_TEST(rt::run_model(whole.model, input, arena.data(), bytes) == Status::input_mode_mismatch);
  BOOST_TEST(source.calls == 0);
  BOOST_TEST(rt::run_model(stream.model, rt::InputStream{}, arena.data(), bytes) == Status::bad_argument);
  BOOST_TEST(rt::run_model(stream.model, input, arena.data(), stream.model.arena_bytes - 4) == Status::arena_too_small);
  source.fail_at = 2;  // the third tile
  BOOST_TEST(rt::run_model(stream.model, input, arena.data(), bytes) == Status::input_read_failed);
  BOOST_TEST(source.calls == 3);
  BOOST_TEST(std::string(rt::status_name(Status::input_mode_mismatch)) == "input_mode_mismatch");
  BOOST_TEST(std::string(rt::status_name(Status::input_read_failed)) == "input_read_failed");
}

BOOST_AUTO_TEST_CASE(the_c_api_runs_a_streamed_blob_and_refuses_mpq_fw_run) {
  const QuantGraph graph = test::graph_of(test::chain_model());
  const Policy policy = uniform_policy(graph, 4, 4);
  const std::vector<uint8_t> plain_blob = test::random_valid_blob(graph, policy, 9);
  // A stage that saves RAM on the chain, so the C API's (strict) load takes it.
  const std::vector<OpRecord> records = op_records(graph, policy);
  const PatchStage chosen = choose_patch_stage(records, 10.0, true);
  BOOST_REQUIRE(chosen.present());
  const std::vector<uint8_t> blob = test::random_valid_blob(graph, policy, 9, chosen);
  mpq_fw_memory memory{};
  BOOST_REQUIRE(mpq_fw_query_memory(blob.data(), static_cast<uint32_t>(blob.size()), &memory) == MPQ_FW_OK);
  std::vector<uint64_t> arena(memory.arena_bytes / 8 + memory.load_scratch_bytes / 8 + 2);
  const uint32_t arena_bytes = static_cast<uint32_t>(arena.size() * 8);
  mpq_fw_model model;
  BOOST_REQUIRE(mpq_fw_load(&model, blob.data(), static_cast<uint32_t>(blob.size()), arena.data(), arena_bytes,
                            nullptr) == MPQ_FW_OK);
  BOOST_TEST(mpq_fw_input_streamed(&model) == 1);
  const std::vector<uint8_t> image = test::random_image(graph, 4);
  BOOST_TEST(mpq_fw_run(&model, image.data(), arena.data(), arena_bytes) == MPQ_FW_INPUT_MODE_MISMATCH);
  BOOST_TEST(std::string(mpq_fw_status_name(MPQ_FW_INPUT_MODE_MISMATCH)) == "input_mode_mismatch");
  BOOST_TEST(std::string(mpq_fw_status_name(MPQ_FW_INPUT_READ_FAILED)) == "input_read_failed");
  const test::LoadResult plain = test::load(plain_blob);
  BOOST_REQUIRE(plain.status == Status::ok);
  const std::vector<int32_t> expected = test::run(plain.model, image, KernelVariant::fast);
  for (mpq_fw_kernels k : {MPQ_FW_KERNELS_FAST, MPQ_FW_KERNELS_REFERENCE}) {
    Source source;
    source.image = &image;
    source.width = records.front().in_w;
    source.channels = records.front().in_c;
    BOOST_REQUIRE(mpq_fw_run_streamed_kernels(&model, read_window, &source, arena.data(), arena_bytes, k) == MPQ_FW_OK);
    std::vector<int32_t> codes(expected.size());
    BOOST_REQUIRE(mpq_fw_output_codes(&model, arena.data(), codes.data(), static_cast<uint32_t>(codes.size())) ==
                  MPQ_FW_OK);
    BOOST_TEST(codes == expected);
  }
  BOOST_TEST(mpq_fw_run_streamed(&model, nullptr, nullptr, arena.data(), arena_bytes) == MPQ_FW_BAD_ARGUMENT);
  mpq_fw_model plain_model;
  BOOST_REQUIRE(mpq_fw_load(&plain_model, plain_blob.data(), static_cast<uint32_t>(plain_blob.size()), arena.data(),
                            arena_bytes, nullptr) == MPQ_FW_OK);
  BOOST_TEST(mpq_fw_input_streamed(&plain_model) == 0);
  Source source;
  BOOST_TEST(mpq_fw_run_streamed(&plain_model, read_window, &source, arena.data(), arena_bytes) ==
             MPQ_FW_INPUT_MODE_MISMATCH);
}

// An empty buffer 0 is a streamed input only beside a stage from op 0 that nothing after
// reads the input of: without a stage it is a buffer_size_mismatch, with a later stage a
// bad_patch_stage.
BOOST_AUTO_TEST_CASE(an_empty_input_buffer_loads_only_beside_a_stage_from_op_0) {
  const QuantGraph graph = test::graph_of(test::chain_model());
  const Policy policy = uniform_policy(graph, 8, 8);
  std::vector<uint8_t> no_stage = test::random_valid_blob(graph, policy, 3);
  test::edit_buffer(no_stage, 0, [](rt::ArenaBuffer& b) { b.size = 0; });
  const test::LoadResult a = test::load_any_stage(no_stage);
  BOOST_TEST(a.status == Status::buffer_size_mismatch);
  BOOST_TEST(a.error.buffer == 0u);

  // The residual graph admits a stage from its depthwise (op 1); with buffer 0 emptied it
  // would stream an input that is not the stage's.
  const QuantGraph residual = test::graph_of(test::residual_model());
  const Policy rp = uniform_policy(residual, 8, 8);
  std::vector<uint8_t> later = test::random_valid_blob(residual, rp, 3, {1, 3, 3});
  BOOST_REQUIRE(test::load_any_stage(later).status == Status::ok);
  test::edit_buffer(later, 0, [](rt::ArenaBuffer& b) { b.size = 0; });
  const test::LoadResult c = test::load_any_stage(later);
  BOOST_TEST(c.status == Status::bad_patch_stage);
  BOOST_TEST(c.error.op == 1u);

  // A streamed blob whose buffer 0 is given its bytes back is a whole-input stage with the
  // wrong plan: refused, never run with a half-empty table.
  std::vector<uint8_t> refilled = streamed_chain_blob();
  test::edit_buffer(refilled, 0, [](rt::ArenaBuffer& b) { b.size = 16; });
  BOOST_TEST(test::load_any_stage(refilled).status != Status::ok);
}

BOOST_AUTO_TEST_CASE(the_host_refuses_a_streamed_input_without_a_stage_from_op_0) {
  const QuantGraph graph = test::graph_of(test::residual_model());
  const std::vector<OpRecord> records = op_records(graph, uniform_policy(graph, 8, 8));
  PatchStage none;
  none.stream_input = true;
  test::check_error_mentions([&] { plan_model_arena(records, none); }, {"streamed input", "patch stage"});
  PatchStage later{1, 3, 3};
  later.stream_input = true;
  test::check_error_mentions([&] { plan_model_arena(records, later); }, {"streamed input", "op 0"});
  std::vector<std::string> names;
  for (const QOp& op : graph.ops) names.push_back(op.name);
  test::check_error_mentions([&] { resolve_patch(records, names, "none", 0.2, true); },
                             {"--patch-input stream", "--patch auto"});
  test::check_error_mentions([&] { parse_patch_input("streamed"); }, {"--patch-input", "whole", "stream"});
  BOOST_TEST(parse_patch_input("stream"));
  BOOST_TEST(!parse_patch_input("whole"));
  // By hand: the stage through op 3 (the residual block) streams, under the RAM rule.
  const bool saves = memory_report(records, streamed(4, 2)).ram_bytes <= memory_report(records).ram_bytes;
  if (saves) {
    const PatchStage by_hand = resolve_patch(records, names, "3:2", 10.0, true);
    BOOST_TEST(by_hand.stream_input);
    BOOST_TEST(by_hand.op_count == 4u);
  } else {
    test::check_error_mentions([&] { resolve_patch(records, names, "3:2", 10.0, true); }, {"more than"});
  }
}

BOOST_AUTO_TEST_SUITE_END()
