// The arena the runtime asks for is mpq memory's RAM and the blob is its FLASH, to the
// byte, for every model builder at uniform 8/4/2 bits and a mixed policy, with and without
// a patch stage; load_model refuses a stage exactly when mpq memory gives it more RAM than
// layer by layer.
#include <boost/test/unit_test.hpp>

#include "libmpq/mcu/memory_model.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/quant/op_records.hpp"
#include "mcu/mcu_fixtures.hpp"
#include "runtime/runtime_fixtures.hpp"

using namespace mpq;
using rt::Status;

namespace {

void check_memory(const QuantGraph& graph, const std::string& label, rt::PatchStage patch = {}) {
  for (const test::NamedPolicy& p : test::test_policies(graph)) {
    const std::string what = label + ", " + p.label;
    const MemoryReport report = memory_report(op_records(graph, p.policy), patch);
    const std::vector<uint8_t> blob = test::random_valid_blob(graph, p.policy, 1, patch);
    BOOST_TEST(blob.size() == report.flash_bytes, what << ": blob bytes vs FLASH");
    rt::BlobMemory memory{};
    BOOST_REQUIRE(rt::query_blob_memory(blob.data(), static_cast<uint32_t>(blob.size()), &memory) == Status::ok);
    BOOST_TEST(memory.arena_bytes == report.ram_bytes, what << ": queried arena vs RAM");
    // The arena of a stage that costs RAM is checked too (the test-only load): mpq memory
    // plans it before refusing it.
    const test::LoadResult loaded = test::load_any_stage(blob);
    BOOST_REQUIRE_MESSAGE(loaded.status == Status::ok, what << ": " << rt::status_name(loaded.status));
    const bool costs = patch.present() && report.ram_bytes > memory_report(op_records(graph, p.policy)).ram_bytes;
    BOOST_TEST(test::load(blob).status == (costs ? Status::patch_stage_costs_ram : Status::ok), what);
    BOOST_TEST(loaded.model.arena_bytes == report.ram_bytes, what << ": loaded arena vs RAM");
    BOOST_TEST(loaded.model.blob_bytes == report.flash_bytes, what);
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(runtime_memory)

BOOST_AUTO_TEST_CASE(arena_is_ram_and_blob_is_flash_for_every_builder_and_policy) {
  for (const char* arch : {"mobilenet_v1", "mobilenet_v2", "mnasnet"}) {
    ModelSpec spec;  // width 0.25, 1x32x32, 10 classes
    spec.arch = arch;
    check_memory(build_quant_graph(build_model(spec, 1)), arch);
  }
}

BOOST_AUTO_TEST_CASE(arena_is_ram_and_blob_is_flash_for_rgb_input_and_other_widths) {
  ModelSpec spec;
  spec.arch = "mobilenet_v2";
  spec.width = 0.35f;
  spec.in_channels = 3;
  spec.in_height = spec.in_width = 40;
  spec.classes = 7;
  check_memory(build_quant_graph(build_model(spec, 1)), "mobilenet_v2 w0.35 3x40x40");
}

BOOST_AUTO_TEST_CASE(arena_is_ram_and_blob_is_flash_for_the_small_graphs) {
  check_memory(test::graph_of(test::chain_model()), "chain");
  check_memory(test::graph_of(test::odd_channel_model()), "odd channels");
  check_memory(test::graph_of(test::residual_model()), "residual");
  check_memory(test::graph_of(test::pooling_model()), "pooling");
  check_memory(test::graph_of(test::window_model()), "windows");
}

// With a patch stage: the stems alone on 2x2 and 4x4 grids, and the longest stage the
// graph allows on 3x3 (MobileNetV1: stem, depthwise, pointwise and on; MobileNetV2 and
// MNasNet through residual blocks).
BOOST_AUTO_TEST_CASE(arena_is_ram_and_blob_is_flash_with_a_patch_stage) {
  for (const char* arch : {"mobilenet_v1", "mobilenet_v2", "mnasnet"}) {
    ModelSpec spec;
    spec.arch = arch;
    const QuantGraph graph = build_quant_graph(build_model(spec, 1));
    const std::vector<OpRecord> records = op_records(graph, uniform_policy(graph, 8, 8));
    const std::vector<uint8_t> bytes = encoded_records(records);
    uint8_t longest = 1;
    for (uint8_t n = 1; n <= rt::kMaxPatchOps; ++n)
      if (rt::check_patch_stage(bytes.data(), static_cast<uint16_t>(records.size()), {0, n, 1}, nullptr) == Status::ok)
        longest = n;
    check_memory(graph, std::string(arch) + " stem 2x2", {0, 1, 2});
    check_memory(graph, std::string(arch) + " stem 4x4", {0, 1, 4});
    check_memory(graph, std::string(arch) + " longest 3x3", {0, longest, 3});
  }
  check_memory(test::graph_of(test::odd_channel_model()), "odd channels 3 ops 3x3", {0, 3, 3});
  check_memory(test::graph_of(test::chain_model()), "chain 2 ops 2x2", {0, 2, 2});
  check_memory(test::graph_of(test::window_model()), "windows 2 ops 3x3", {0, 2, 3});
  check_memory(test::graph_of(test::residual_model()), "residual block 4 ops 2x2", {0, 4, 2});
  check_memory(test::graph_of(test::residual_model()), "residual block from the depthwise 3x3", {1, 3, 3});
}

BOOST_AUTO_TEST_SUITE_END()
