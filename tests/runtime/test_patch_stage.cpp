// A patch stage computes exactly what its ops compute layer by layer: for every bit
// combination, stage length and grid (tiles whose borders fall inside packed sub-byte
// rows included), with fast and reference kernels, on the small graphs and the real
// builders; its blob loads only with the stage's own buffer table, and stages the runtime
// cannot run are refused with bad_patch_stage naming the op.
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "libmpq/mcu/blob_layout.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/quant/op_records.hpp"
#include "mcu/mcu_fixtures.hpp"
#include "runtime/plain_executor.hpp"
#include "runtime/runtime_fixtures.hpp"

using namespace mpq;
using rt::KernelVariant;
using rt::PatchStage;
using rt::Status;

namespace {

QuantGraph real_graph(const char* arch) {
  ModelSpec spec;  // the default model's size: width 0.25, 1x32x32, 10 classes
  spec.arch = arch;
  return build_quant_graph(build_model(spec, 3));
}

PatchStage stage(size_t ops, int grid) { return {0, static_cast<uint8_t>(ops), static_cast<uint8_t>(grid)}; }

// The longest chain of conv / depthwise ops from op 0 that a stage may cover.
size_t longest_stage(const QuantGraph& graph, const Policy& policy) {
  const std::vector<OpRecord> records = op_records(graph, policy);
  const std::vector<uint8_t> bytes = encoded_records(records);
  size_t best = 0;
  for (size_t n = 1; n <= records.size() && n <= rt::kMaxPatchOps; ++n)
    if (rt::check_patch_stage(bytes.data(), static_cast<uint16_t>(records.size()), stage(n, 1), nullptr) == Status::ok)
      best = n;
  return best;
}

// Patched == unpatched == the plain executor, fast and reference, on `images` images.
void check_patched(const QuantGraph& graph, const Policy& policy, PatchStage patch, uint64_t seed, int images,
                   const std::string& what) {
  const std::vector<uint8_t> plain_blob = test::random_valid_blob(graph, policy, seed);
  const std::vector<uint8_t> patched_blob = test::random_valid_blob(graph, policy, seed, patch);
  const test::LoadResult plain = test::load(plain_blob);
  const test::LoadResult patched = test::load(patched_blob);
  BOOST_REQUIRE_MESSAGE(plain.status == Status::ok, what << ": unpatched load: " << plain.status);
  BOOST_REQUIRE_MESSAGE(patched.status == Status::ok,
                        what << ": patched load: " << patched.status << " op " << patched.error.op << " buffer "
                             << patched.error.buffer);
  for (int i = 0; i < images; ++i) {
    const std::vector<uint8_t> image = test::random_image(graph, seed * 100 + static_cast<uint64_t>(i));
    const std::vector<int32_t> expected = test::run(plain.model, image, KernelVariant::fast);
    BOOST_TEST(test::run(patched.model, image, KernelVariant::fast) == expected, what << " image " << i << " (fast)");
    BOOST_TEST(test::run(patched.model, image, KernelVariant::reference) == expected,
               what << " image " << i << " (reference)");
    BOOST_TEST(test::run_plain(patched_blob, image) == expected, what << " image " << i << " (plain executor)");
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(patch_stage)

BOOST_AUTO_TEST_CASE(tiles_span_the_output_without_gaps_or_overlap) {
  for (int32_t size : {1, 7, 16, 17, 112}) {
    for (int32_t grid = 1; grid <= size && grid <= 9; ++grid) {
      int32_t next = 0;
      for (int32_t t = 0; t < grid; ++t) {
        const rt::Span s = rt::patch_tile_span(size, grid, t);
        BOOST_TEST(s.begin == next);
        BOOST_TEST(s.size() >= 1);
        next = s.end;
      }
      BOOST_TEST(next == size);
    }
  }
}

BOOST_AUTO_TEST_CASE(small_graphs_give_the_layer_by_layer_outputs_for_every_stage_and_grid) {
  for (const auto& [label, model] : {std::pair{"chain", test::chain_model()},
                                     std::pair{"odd channels", test::odd_channel_model()}}) {
    const QuantGraph graph = test::graph_of(model);
    uint64_t seed = 5;
    for (const test::NamedPolicy& p : test::test_policies(graph)) {
      const size_t longest = longest_stage(graph, p.policy);
      BOOST_TEST(longest >= 2u, label);
      for (size_t n = 1; n <= longest; ++n) {
        const int32_t out = op_records(graph, p.policy)[n - 1].out_h;
        for (int grid = 1; grid <= out; ++grid)
          check_patched(graph, p.policy, stage(n, grid), seed++, 3,
                        std::string(label) + ", " + p.label + ", " + std::to_string(n) + " ops, grid " +
                            std::to_string(grid));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(real_builders_give_the_layer_by_layer_outputs) {
  for (const char* arch : {"mobilenet_v1", "mobilenet_v2", "mnasnet"}) {
    const QuantGraph graph = real_graph(arch);
    uint64_t seed = 40;
    for (const test::NamedPolicy& p : test::test_policies(graph)) {
      // MobileNetV2's first block adds its input back: its stage is the stem alone.
      const size_t longest = longest_stage(graph, p.policy);
      BOOST_TEST(longest >= (std::string(arch) == "mobilenet_v2" ? 1u : 3u), arch);
      for (size_t n : {size_t{1}, size_t{2}, longest}) {
        if (n > longest || (n == 2 && longest == 2)) continue;
        for (int grid : {2, 3, 4})
          check_patched(graph, p.policy, stage(n, grid), seed++, 2,
                        std::string(arch) + ", " + p.label + ", " + std::to_string(n) + " ops, grid " +
                            std::to_string(grid));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(a_stage_with_another_op_a_residual_branch_or_a_too_large_grid_is_refused) {
  // The residual graph: conv (output read by the add), depthwise, pointwise, add, ...
  const QuantGraph graph = test::graph_of(test::residual_model());
  const Policy policy = uniform_policy(graph, 8, 8);
  const std::vector<OpRecord> records = op_records(graph, policy);
  const std::vector<uint8_t> bytes = encoded_records(records);
  const uint16_t count = static_cast<uint16_t>(records.size());
  uint16_t bad = 0;
  BOOST_TEST(rt::check_patch_stage(bytes.data(), count, stage(1, 2), &bad) == Status::ok);  // its output is whole
  BOOST_TEST(rt::check_patch_stage(bytes.data(), count, stage(2, 2), &bad) == Status::bad_patch_stage);
  BOOST_TEST(bad == 3u);  // the add reads the conv's output, a tile inside the stage
  BOOST_TEST(rt::check_patch_stage(bytes.data(), count, stage(4, 2), &bad) == Status::bad_patch_stage);
  BOOST_TEST(bad == 3u);  // the add itself
  BOOST_TEST(rt::check_patch_stage(bytes.data(), count, stage(1, records[0].out_h + 1), &bad) ==
             Status::bad_patch_stage);
  BOOST_TEST(rt::check_patch_stage(bytes.data(), count, stage(1, 0), &bad) == Status::bad_patch_stage);
  BOOST_TEST(rt::check_patch_stage(bytes.data(), count, stage(count + 1u, 1), &bad) == Status::bad_patch_stage);
  test::check_error_mentions([&] { (void)blob_layout(records, stage(2, 2)); }, {"op 3"});
}

BOOST_AUTO_TEST_CASE(a_patched_blob_loads_only_with_its_own_stage_and_buffer_table) {
  const QuantGraph graph = test::graph_of(test::odd_channel_model());
  const Policy policy = test::test_policies(graph)[3].policy;  // mixed
  const std::vector<uint8_t> blob = test::random_valid_blob(graph, policy, 9, stage(3, 2));
  BOOST_REQUIRE(test::load(blob).status == Status::ok);
  std::vector<uint8_t> edited = blob;
  test::edit_header(edited, [](BlobHeader& h) { h.patch_grid = 3; });  // other tile sizes
  BOOST_TEST(test::load(edited).status != Status::ok);
  edited = blob;
  test::edit_header(edited, [](BlobHeader& h) { h.patch_op_count = 0; });  // grid without a stage
  BOOST_TEST(test::load(edited).status == Status::bad_header_field);
  edited = blob;
  test::edit_header(edited, [](BlobHeader& h) { h.patch_op_count = 4; });  // the pool
  const test::LoadResult pool = test::load(edited);
  BOOST_TEST(pool.status == Status::bad_patch_stage);
  BOOST_TEST(pool.error.op == 3u);
  edited = blob;
  test::edit_header(edited, [](BlobHeader& h) { h.patch_grid = 4; });  // the 3x3 output
  BOOST_TEST(test::load(edited).status == Status::bad_patch_stage);
  // A window buffer one byte short: its size is checked like every other buffer's.
  const BlobHeader h = decode_blob_header(blob.data(), "patched blob");
  edited = blob;
  test::edit_buffer(edited, h.buffer_count - 2u, [](rt::ArenaBuffer& b) { b.size -= 1; });
  const test::LoadResult short_window = test::load(edited);
  BOOST_TEST(short_window.status == Status::buffer_size_mismatch);
  BOOST_TEST(short_window.error.buffer == h.buffer_count - 2u);
}

BOOST_AUTO_TEST_SUITE_END()
