// In-place pointwise pairs in whole blobs (`--inplace all`, InplaceKinds::all:
// docs/memory-model.md, "In-place pointwise"): blobs of the builders at every uniform
// policy and a mixed one, the small graphs and stem stages, with every eligible depthwise
// op and pointwise conv in place (pairs chained where one's output is the next one's
// input) load with the memory model's arena and compute what their separate-buffer twins
// compute, with fast and reference kernels; the pairs mpq memory chooses load with its RAM,
// never above the depthwise choice's; load_model refuses the flag on a conv the pointwise
// kernel does not run, on a pointwise conv whose input is read later, is the network input
// or is inside the stage, and a flag that does not match the placement.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "libmpq/mcu/memory_model.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/quant/op_records.hpp"
#include "libmpq/runtime/inplace_pairs.hpp"
#include "libmpq/runtime/inplace_pointwise.hpp"
#include "libmpq/runtime/op_requirements.hpp"
#include "mcu/mcu_fixtures.hpp"
#include "runtime/runtime_fixtures.hpp"

namespace {

using mpq::InplaceDepthwise;
using mpq::InplaceKinds;
using mpq::rt::OpRecord;
using mpq::rt::Status;

mpq::QuantGraph builder_graph(const char* arch) {
  mpq::ModelSpec spec;  // width 0.25, 1x32x32, 10 classes
  spec.arch = arch;
  return mpq::build_quant_graph(mpq::build_model(spec, 1));
}

bool is_pointwise(const OpRecord& r) {
  return r.kind == mpq::blob::op_kind::conv && mpq::rt::op_kernel(r) == mpq::rt::OpKernel::pointwise_convolve;
}

struct Counts {
  int pointwise = 0;  // pointwise convs in place
  int chained = 0;    // in-place ops whose producer runs in place too
};

// As test_inplace_depthwise.cpp's check, with InplaceKinds::all: the blob with every
// eligible op in place loads with plan_model_arena's arena, places each input align(lag)
// after its output (a chain's too), and runs as the separate-buffer blob of the same seed;
// the chosen pairs' blob loads with mpq memory's RAM, at most the depthwise choice's.
Counts check_all_kinds(const mpq::QuantGraph& graph, const mpq::Policy& policy, mpq::rt::PatchStage patch,
                       uint64_t seed, const std::string& what) {
  const std::vector<OpRecord> records = mpq::op_records(graph, policy);
  const mpq::ModelArena every = mpq::plan_model_arena(records, patch, InplaceDepthwise::every, InplaceKinds::all);
  const std::vector<uint8_t> separate = mpq::test::random_valid_blob(graph, policy, seed, patch, InplaceDepthwise::off);
  const std::vector<uint8_t> in_place =
      mpq::test::random_valid_blob(graph, policy, seed, patch, InplaceDepthwise::every, InplaceKinds::all);
  const mpq::test::LoadResult a = mpq::test::load_any_stage(separate);
  const mpq::test::LoadResult b = mpq::test::load_any_stage(in_place);
  BOOST_REQUIRE_MESSAGE(a.status == Status::ok && b.status == Status::ok,
                        what << ": load " << a.status << " / in place " << b.status << " (op " << b.error.op
                             << ", buffer " << b.error.buffer << ")");
  BOOST_TEST(b.model.arena_bytes == every.arena_bytes, what << ": loaded arena vs the memory model's");
  for (int i = 0; i < (patch.stream_input ? 0 : 2); ++i) {
    const std::vector<uint8_t> image = mpq::test::random_image(graph, seed * 10 + static_cast<uint64_t>(i));
    for (mpq::rt::KernelVariant v : {mpq::rt::KernelVariant::fast, mpq::rt::KernelVariant::reference})
      BOOST_TEST(mpq::test::run(b.model, image, v) == mpq::test::run(a.model, image, v),
                 what << " image " << i << (v == mpq::rt::KernelVariant::fast ? " fast" : " reference")
                      << ": in place differs from separate buffers");
  }
  Counts counts;
  for (uint16_t i : every.inplace_ops) {
    const mpq::rt::ArenaBuffer& in = every.buffers[records[i].input_buffer];
    const mpq::rt::ArenaBuffer& out = every.buffers[records[i].output_buffer];
    const uint32_t lag = (static_cast<uint32_t>(mpq::rt::inplace_lag(records[i])) + 3u) & ~3u;
    BOOST_TEST(in.offset == out.offset + lag, what << ": op " << i);
    if (is_pointwise(records[i])) ++counts.pointwise;
    for (uint16_t j : every.inplace_ops)
      if (records[j].output_buffer == records[i].input_buffer) ++counts.chained;
  }
  const mpq::MemoryReport all = mpq::memory_report(records, patch, InplaceKinds::all);
  const mpq::MemoryReport depthwise = mpq::memory_report(records, patch, InplaceKinds::depthwise);
  const std::vector<uint8_t> chosen =
      mpq::test::random_valid_blob(graph, policy, seed, patch, InplaceDepthwise::best, InplaceKinds::all);
  const mpq::test::LoadResult c = mpq::test::load_any_stage(chosen);
  BOOST_REQUIRE_MESSAGE(c.status == Status::ok, what << ": best pairs: " << c.status);
  BOOST_TEST(c.model.arena_bytes == all.ram_bytes, what << ": loaded arena vs mpq memory's RAM");
  BOOST_TEST(all.ram_bytes <= depthwise.ram_bytes, what << ": all needs more RAM than depthwise");
  BOOST_TEST(all.ram_bytes >= all.ram_lower_bound, what);
  BOOST_TEST(all.ram_bytes >= mpq::inplace_arena_lower_bound(records, patch, InplaceKinds::all), what);
  return counts;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(inplace_pointwise_blobs)

BOOST_AUTO_TEST_CASE(builders_run_pointwise_pairs_as_with_separate_buffers_at_every_uniform_policy) {
  for (const char* arch : {"mobilenet_v1", "mobilenet_v2", "mnasnet"}) {
    const mpq::QuantGraph graph = builder_graph(arch);
    Counts total;
    for (int w : {8, 4, 2})
      for (int a : {8, 4, 2}) {
        const std::string what = std::string(arch) + " w" + std::to_string(w) + "a" + std::to_string(a);
        const Counts c = check_all_kinds(graph, mpq::uniform_policy(graph, w, a), {}, 7, what);
        BOOST_TEST(c.pointwise > 0, what << ": no pointwise conv ran in place");
        total.chained += c.chained;
      }
    BOOST_TEST(total.chained > 0, arch << ": no chain of pairs");
    for (const mpq::test::NamedPolicy& p : mpq::test::test_policies(graph))
      if (std::string(p.label) == "mixed") check_all_kinds(graph, p.policy, {}, 8, std::string(arch) + " mixed");
  }
}

BOOST_AUTO_TEST_CASE(small_graphs_and_stem_stages_run_pointwise_pairs_as_with_separate_buffers) {
  uint64_t seed = 60;
  for (const mpq::test::NamedModel& g : mpq::test::small_graphs()) {
    const mpq::QuantGraph graph = mpq::test::graph_of(g.model);
    for (const mpq::test::NamedPolicy& p : mpq::test::test_policies(graph))
      check_all_kinds(graph, p.policy, {}, seed++, std::string(g.label) + ", " + p.label);
  }
  for (const char* arch : {"mobilenet_v1", "mobilenet_v2", "mnasnet"}) {
    const mpq::QuantGraph graph = builder_graph(arch);
    for (const mpq::test::NamedPolicy& p : mpq::test::test_policies(graph))
      for (bool stream : {false, true}) {
        const mpq::rt::PatchStage stage{0, 1, 2, stream};
        check_all_kinds(graph, p.policy, stage, seed++,
                        std::string(arch) + " stem stage 2x2" + (stream ? " streamed, " : ", ") + p.label);
      }
  }
}

BOOST_AUTO_TEST_CASE(load_refuses_pointwise_flags_that_are_not_eligible_or_not_the_placement) {
  const mpq::QuantGraph graph = builder_graph("mobilenet_v2");
  const mpq::Policy policy = mpq::uniform_policy(graph, 8, 8);
  const std::vector<OpRecord> records = mpq::op_records(graph, policy);
  const mpq::ModelArena every = mpq::plan_model_arena(records, {}, InplaceDepthwise::every, InplaceKinds::all);
  const std::vector<uint8_t> in_place =
      mpq::test::random_valid_blob(graph, policy, 3, {}, InplaceDepthwise::every, InplaceKinds::all);
  const std::vector<uint8_t> separate = mpq::test::random_valid_blob(graph, policy, 3, {}, InplaceDepthwise::off);
  BOOST_REQUIRE(mpq::test::load(in_place).status == Status::ok);
  auto flagged = [&](uint16_t i) {
    return std::find(every.inplace_ops.begin(), every.inplace_ops.end(), i) != every.inplace_ops.end();
  };
  auto set_flag = [](std::vector<uint8_t> blob, uint16_t i, bool on) {
    mpq::test::edit_op(blob, i, [on](OpRecord& r) {
      r.flags = static_cast<uint8_t>(on ? r.flags | mpq::blob::kOpFlagInPlace : r.flags & ~mpq::blob::kOpFlagInPlace);
    });
    return blob;
  };
  int eligible = 0, read_later = 0, not_pointwise = 0;
  for (uint16_t i = 0; i < records.size(); ++i) {
    const OpRecord& r = records[i];
    const mpq::test::LoadResult on_separate = mpq::test::load(set_flag(separate, i, true));
    if (flagged(i)) {
      // An eligible pointwise conv: its flag off under in-place offsets, or on under
      // separate ones, is not the planner's placement.
      if (!is_pointwise(r)) continue;
      ++eligible;
      BOOST_TEST(mpq::test::load(set_flag(in_place, i, false)).status == Status::plan_mismatch, "op " << i);
      BOOST_TEST(on_separate.status == Status::plan_mismatch, "op " << i);
      continue;
    }
    // Not eligible: a conv the pointwise kernel does not run (the stem), a pointwise conv
    // whose input a residual add reads later, an fc or an add: refused, naming the op.
    if (r.kind == mpq::blob::op_kind::depthwise) continue;
    if (is_pointwise(r)) ++read_later;
    else if (r.kind == mpq::blob::op_kind::conv) ++not_pointwise;
    BOOST_TEST(on_separate.status == Status::bad_op_field, "op " << i << " kind " << int(r.kind));
    BOOST_TEST(on_separate.error.op == i, "op " << i);
  }
  BOOST_TEST(eligible > 0);
  BOOST_TEST(read_later > 0);
  BOOST_TEST(not_pointwise > 0);
  // Inside a stage no op runs in place: MobileNetV1's stage from op 0 through its first
  // pointwise conv (MobileNetV2's first block is residual).
  const mpq::QuantGraph v1 = builder_graph("mobilenet_v1");
  const std::vector<OpRecord> v1_records = mpq::op_records(v1, mpq::uniform_policy(v1, 8, 8));
  uint16_t first_pointwise = 0;
  while (!is_pointwise(v1_records[first_pointwise])) ++first_pointwise;
  const mpq::rt::PatchStage stage{0, static_cast<uint8_t>(first_pointwise + 1), 2, false};
  const std::vector<uint8_t> staged = mpq::test::random_valid_blob(v1, mpq::uniform_policy(v1, 8, 8), 3, stage);
  BOOST_REQUIRE(mpq::test::load_any_stage(staged).status == Status::ok);
  const mpq::test::LoadResult inside = mpq::test::load_any_stage(set_flag(staged, first_pointwise, true));
  BOOST_TEST(inside.status == Status::bad_op_field);
  BOOST_TEST(inside.error.op == first_pointwise);
}

BOOST_AUTO_TEST_CASE(eligibility_takes_pointwise_convs_whose_input_nothing_later_reads) {
  // In the residual block every depthwise op and pointwise conv is eligible exactly when
  // the network input is not its input and no later op (the add's skip) reads it; no other
  // op is, and none inside a stage. Chains are eligible: the depthwise rule alone (the
  // --inplace depthwise candidates) leaves out a depthwise op whose producer is depthwise.
  for (const mpq::Model& model : {mpq::test::residual_model(), mpq::test::chain_model()}) {
    const mpq::QuantGraph graph = mpq::test::graph_of(model);
    const std::vector<OpRecord> records = mpq::op_records(graph, mpq::uniform_policy(graph, 8, 8));
    const mpq::ModelArena arena = mpq::plan_model_arena(records);
    const std::vector<uint8_t> bytes = mpq::encoded_records(records);
    for (uint16_t i = 0; i < records.size(); ++i) {
      const OpRecord& r = records[i];
      const uint16_t last = arena.buffers[r.input_buffer].last_step;
      const bool eligible = mpq::rt::inplace_eligible(bytes.data(), i, {}, last);
      const bool kind = r.kind == mpq::blob::op_kind::depthwise || is_pointwise(r);
      BOOST_TEST(eligible == (kind && last == i + 1 && r.input_buffer != 0), "op " << i);
      BOOST_TEST(!mpq::rt::inplace_eligible(bytes.data(), i, {i, 1, 2}, last), "op " << i);
      BOOST_TEST((mpq::rt::inplace_lag(r) >= 0) == kind, "op " << i);
      if (is_pointwise(r)) BOOST_TEST(mpq::rt::inplace_lag(r) == mpq::rt::inplace_pointwise_lag(r));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
