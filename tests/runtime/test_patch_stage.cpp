// A patch stage computes exactly what its ops compute layer by layer: for every bit
// combination, stage length and grid (tiles whose borders fall inside packed sub-byte
// rows included), with fast and reference kernels, on the small graphs and the real
// builders, residual adds inside the stage included; its blob loads only with the stage's
// own buffer table, stages the runtime cannot run are refused with bad_patch_stage naming
// the op, and stages that need more RAM than layer by layer with patch_stage_costs_ram,
// exactly where mpq memory refuses them.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "libmpq/mcu/blob_layout.hpp"
#include "libmpq/core/rng.hpp"
#include "libmpq/mcu/memory_model.hpp"
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

// The lengths of the stages from op 0 that check_patch_stage accepts (conv, depthwise and
// adds whose two branches are inside), increasing.
std::vector<size_t> stage_lengths(const QuantGraph& graph, const Policy& policy) {
  const std::vector<OpRecord> records = op_records(graph, policy);
  const std::vector<uint8_t> bytes = encoded_records(records);
  std::vector<size_t> lengths;
  for (size_t n = 1; n <= records.size() && n <= rt::kMaxPatchOps; ++n)
    if (rt::check_patch_stage(bytes.data(), static_cast<uint16_t>(records.size()), stage(n, 1), nullptr) == Status::ok)
      lengths.push_back(n);
  return lengths;
}


bool stage_has_add(const QuantGraph& graph, const Policy& policy, size_t ops) {
  const std::vector<OpRecord> records = op_records(graph, policy);
  for (size_t i = 0; i < ops; ++i)
    if (records[i].kind == blob::op_kind::add) return true;
  return false;
}

// load_model accepts the patched blob exactly when the host's memory model gives the stage
// no more RAM than layer by layer (mpq memory's rule), else names the stage's last op.
// Returns whether it was refused.
bool check_refused_where_it_costs_ram(const QuantGraph& graph, const Policy& policy, PatchStage patch,
                                      const std::vector<uint8_t>& patched_blob, const std::string& what) {
  const std::vector<OpRecord> records = op_records(graph, policy);
  const bool costs = memory_report(records, patch).ram_bytes > memory_report(records).ram_bytes;
  const test::LoadResult strict = test::load(patched_blob);
  BOOST_TEST(strict.status == (costs ? Status::patch_stage_costs_ram : Status::ok), what);
  if (costs) BOOST_TEST(strict.error.op == patch.end_op() - 1u, what);
  return costs;
}

// Patched == unpatched == the plain executor, fast and reference, on `images` images,
// whether or not the stage saves RAM. Returns whether load_model refuses it for its RAM.
bool check_patched(const QuantGraph& graph, const Policy& policy, PatchStage patch, uint64_t seed, int images,
                   const std::string& what) {
  const std::vector<uint8_t> plain_blob = test::random_valid_blob(graph, policy, seed);
  const std::vector<uint8_t> patched_blob = test::random_valid_blob(graph, policy, seed, patch);
  const test::LoadResult plain = test::load(plain_blob);
  const test::LoadResult patched = test::load_any_stage(patched_blob);
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
  return check_refused_where_it_costs_ram(graph, policy, patch, patched_blob, what);
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
  int refused = 0, accepted = 0;
  for (const auto& [label, model] : {std::pair{"chain", test::chain_model()},
                                     std::pair{"odd channels", test::odd_channel_model()},
                                     std::pair{"windows", test::window_model()},
                                     std::pair{"residual", test::residual_model()}}) {
    const QuantGraph graph = test::graph_of(model);
    uint64_t seed = 5;
    for (const test::NamedPolicy& p : test::test_policies(graph)) {
      const std::vector<size_t> lengths = stage_lengths(graph, p.policy);
      BOOST_TEST(lengths.back() >= 2u, label);
      for (size_t n : lengths) {
        const OpRecord last = op_records(graph, p.policy)[n - 1];
        const int32_t out = std::min(last.out_h, last.out_w);  // a grid no larger than either side
        for (int grid = 1; grid <= out; ++grid) {
          const bool costs = check_patched(graph, p.policy, stage(n, grid), seed++, 3,
                                           std::string(label) + ", " + p.label + ", " + std::to_string(n) +
                                               " ops, grid " + std::to_string(grid));
          ++(costs ? refused : accepted);
        }
      }
    }
  }
  // Both sides of the RAM rule occur.
  BOOST_TEST(refused > 0);
  BOOST_TEST(accepted > 0);
}

BOOST_AUTO_TEST_CASE(real_builders_give_the_layer_by_layer_outputs) {
  for (const char* arch : {"mobilenet_v1", "mobilenet_v2", "mnasnet"}) {
    const QuantGraph graph = real_graph(arch);
    uint64_t seed = 40;
    for (const test::NamedPolicy& p : test::test_policies(graph)) {
      // The longest stage of MobileNetV2 and MNasNet reaches past a residual add.
      const std::vector<size_t> lengths = stage_lengths(graph, p.policy);
      const size_t longest = lengths.back();
      if (std::string(arch) != "mobilenet_v1") BOOST_TEST(stage_has_add(graph, p.policy, longest), arch);
      for (size_t n : {lengths[0], lengths[lengths.size() / 2], longest}) {
        if (n == longest && lengths.size() / 2 == lengths.size() - 1) continue;
        for (int grid : {2, 3, 4})
          check_patched(graph, p.policy, stage(n, grid), seed++, 2,
                        std::string(arch) + ", " + p.label + ", " + std::to_string(n) + " ops, grid " +
                            std::to_string(grid));
      }
    }
  }
}

// Random policies (per-layer bits out of 2, 4, 8), stage lengths and grids on every
// builder: the blob is mpq memory's FLASH, its arena mpq memory's RAM (never below the
// lower bound, no two buffers live at once overlapping), it runs bit-exactly, and
// load_model refuses it exactly when the stage costs RAM.
BOOST_AUTO_TEST_CASE(random_policies_stages_and_grids_keep_flash_ram_and_outputs) {
  Rng rng(17);
  uint64_t seed = 300;
  int with_add = 0;
  for (const char* arch : {"mobilenet_v1", "mobilenet_v2", "mnasnet"}) {
    const QuantGraph graph = real_graph(arch);
    for (int trial = 0; trial < 6; ++trial) {
      Policy policy = uniform_policy(graph, 8, 8);
      for (LayerBits& l : policy.layers) {
        static const int kBits[] = {2, 4, 8};
        if (l.w_bits != 0) l.w_bits = kBits[rng.below(3)];
        l.a_bits = kBits[rng.below(3)];
      }
      const std::vector<OpRecord> records = op_records(graph, policy);
      const std::vector<size_t> lengths = stage_lengths(graph, policy);
      const size_t ops = lengths[rng.below(lengths.size())];
      const int grid = 1 + static_cast<int>(rng.below(static_cast<uint64_t>(std::min<int>(8, records[ops - 1].out_h))));
      const PatchStage patch = stage(ops, grid);
      const std::string what = std::string(arch) + " trial " + std::to_string(trial) + ", " + std::to_string(ops) +
                               " ops, grid " + std::to_string(grid);
      const BlobLayout layout = blob_layout(records, patch);
      const MemoryReport report = memory_report(layout);
      const std::vector<uint8_t> blob = test::random_valid_blob(graph, policy, seed, patch);
      BOOST_TEST(blob.size() == report.flash_bytes, what);
      BOOST_TEST(report.ram_bytes >= report.ram_lower_bound, what);
      const std::vector<rt::ArenaBuffer>& b = layout.arena.buffers;
      for (size_t i = 0; i < b.size(); ++i)
        for (size_t j = i + 1; j < b.size(); ++j) {
          const bool together = b[i].first_step <= b[j].last_step && b[j].first_step <= b[i].last_step;
          const bool apart = b[i].offset + b[i].size <= b[j].offset || b[j].offset + b[j].size <= b[i].offset;
          if (together && b[i].size > 0 && b[j].size > 0) BOOST_TEST(apart, what << ": buffers " << i << ", " << j);
        }
      BOOST_TEST(test::load_any_stage(blob).model.arena_bytes == report.ram_bytes, what);
      check_patched(graph, policy, patch, seed++, 1, what);  // also the RAM rule against memory_report
      with_add += stage_has_add(graph, policy, ops) ? 1 : 0;
    }
  }
  BOOST_TEST(with_add > 0);  // some random stages hold a residual block
}

BOOST_AUTO_TEST_CASE(a_stage_cutting_a_residual_branch_or_with_a_too_large_grid_is_refused) {
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
  BOOST_TEST(rt::check_patch_stage(bytes.data(), count, stage(3, 2), &bad) == Status::bad_patch_stage);
  BOOST_TEST(bad == 3u);  // the same with the whole branch but not the add
  BOOST_TEST(rt::check_patch_stage(bytes.data(), count, stage(4, 2), &bad) == Status::ok);  // both branches inside
  // From the depthwise on, the block input is the stage input: both branches are inside.
  BOOST_TEST(rt::check_patch_stage(bytes.data(), count, {1, 3, 2}, &bad) == Status::ok);
  // From the pointwise on, the add's skip starts before the stage.
  BOOST_TEST(rt::check_patch_stage(bytes.data(), count, {2, 2, 2}, &bad) == Status::bad_patch_stage);
  BOOST_TEST(bad == 3u);
  BOOST_TEST(rt::check_patch_stage(bytes.data(), count, stage(5, 1), &bad) == Status::bad_patch_stage);
  BOOST_TEST(bad == 4u);  // the pool
  BOOST_TEST(rt::check_patch_stage(bytes.data(), count, stage(1, records[0].out_h + 1), &bad) ==
             Status::bad_patch_stage);
  BOOST_TEST(rt::check_patch_stage(bytes.data(), count, stage(1, 0), &bad) == Status::bad_patch_stage);
  BOOST_TEST(rt::check_patch_stage(bytes.data(), count, stage(count + 1u, 1), &bad) == Status::bad_patch_stage);
  test::check_error_mentions([&] { (void)blob_layout(records, stage(2, 2)); }, {"op 3"});
}

// Issue 17's bad input from the loader, each in a blob made from a valid one of the
// residual graph (conv, depthwise, pointwise, add reading the conv): a stage edited to
// cross the add's two branches, a grid edited past the stage output, and a stage whose
// tiles need more RAM than layer by layer. Each is refused with its status naming the op.
BOOST_AUTO_TEST_CASE(a_blob_whose_stage_crosses_a_residual_is_too_finely_cut_or_costs_ram_is_refused) {
  const QuantGraph graph = test::graph_of(test::residual_model());
  // The first policy and stem grid (one op: its output is whole, read by the add) that costs RAM.
  Policy policy;
  std::vector<OpRecord> records;
  int costly_grid = 0;
  for (const test::NamedPolicy& p : test::test_policies(graph)) {
    records = op_records(graph, p.policy);
    const uint32_t without = memory_report(records).ram_bytes;
    for (int grid = 1; grid <= records[0].out_h && costly_grid == 0; ++grid)
      if (memory_report(records, stage(1, grid)).ram_bytes > without) costly_grid = grid;
    policy = p.policy;
    if (costly_grid > 0) break;
  }
  BOOST_REQUIRE(costly_grid > 0);
  const std::vector<uint8_t> blob = test::random_valid_blob(graph, policy, 3, stage(1, costly_grid));
  BOOST_REQUIRE(test::load_any_stage(blob).status == Status::ok);  // it runs, but it costs RAM
  const test::LoadResult costly = test::load(blob);
  BOOST_TEST(costly.status == Status::patch_stage_costs_ram);
  BOOST_TEST(costly.error.op == 0u);
  BOOST_TEST(std::string(rt::status_name(costly.status)) == "patch_stage_costs_ram");

  std::vector<uint8_t> edited = blob;
  test::edit_header(edited, [](BlobHeader& h) { h.patch_op_count = 2; });  // conv + depthwise: the add reads the conv
  const test::LoadResult residual = test::load(edited);
  BOOST_TEST(residual.status == Status::bad_patch_stage);
  BOOST_TEST(residual.error.op == 3u);
  edited = blob;
  const int32_t out = records[0].out_h;
  test::edit_header(edited, [&](BlobHeader& h) { h.patch_grid = static_cast<uint8_t>(out + 1); });
  const test::LoadResult too_fine = test::load(edited);
  BOOST_TEST(too_fine.status == Status::bad_patch_stage);
  BOOST_TEST(too_fine.error.op == 0u);
}

BOOST_AUTO_TEST_CASE(a_patched_blob_loads_only_with_its_own_stage_and_buffer_table) {
  const QuantGraph graph = test::graph_of(test::odd_channel_model());
  const Policy policy = test::test_policies(graph)[3].policy;  // mixed
  // Checks 8b to 10 come before the RAM rule: the stage may cost RAM here.
  const std::vector<uint8_t> blob = test::random_valid_blob(graph, policy, 9, stage(3, 2));
  BOOST_REQUIRE(test::load_any_stage(blob).status == Status::ok);
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
  // Load scratch covers the layer-by-layer table too: one more buffer per stage op.
  const BlobHeader h = decode_blob_header(blob.data(), "patched blob");
  rt::BlobMemory memory{};
  BOOST_REQUIRE(rt::query_blob_memory(blob.data(), static_cast<uint32_t>(blob.size()), &memory) == Status::ok);
  BOOST_TEST(memory.load_scratch_bytes == rt::load_scratch_bytes(static_cast<uint16_t>(h.buffer_count + 3u)));
  std::vector<uint32_t> scratch(memory.load_scratch_bytes / 4);
  rt::ModelView view;
  BOOST_TEST(rt::load_model(blob.data(), static_cast<uint32_t>(blob.size()), scratch.data(),
                            memory.load_scratch_bytes - 4, &view) == Status::load_scratch_too_small);
  // A window buffer one byte short: its size is checked like every other buffer's.
  edited = blob;
  test::edit_buffer(edited, h.buffer_count - 2u, [](rt::ArenaBuffer& b) { b.size -= 1; });
  const test::LoadResult short_window = test::load(edited);
  BOOST_TEST(short_window.status == Status::buffer_size_mismatch);
  BOOST_TEST(short_window.error.buffer == h.buffer_count - 2u);
}

BOOST_AUTO_TEST_SUITE_END()
