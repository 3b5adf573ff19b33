// grant_one_chunk_scratch (plan_model_arena's last step): which depthwise ops get the fast
// kernel's one-chunk scratch, checked against plans of the same buffer list made here.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>

#include "libmpq/mcu/plan_model_arena.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/quant/op_records.hpp"
#include "libmpq/runtime/op_requirements.hpp"

using namespace mpq;

namespace {

QuantGraph builder_graph(const char* arch) {
  ModelSpec spec;  // width 0.25, 1x32x32, 10 classes: the default model's shapes
  spec.arch = arch;
  return build_quant_graph(build_model(spec, 1));
}

bool contains(const std::vector<uint16_t>& ops, uint16_t op) {
  return std::find(ops.begin(), ops.end(), op) != ops.end();
}

// The arena of `a`'s buffer list (its pairs and stage kept) with the ops of `granted`
// given their one-chunk scratch and every other depthwise op its least.
uint32_t arena_with(const std::vector<rt::OpRecord>& records, const ModelArena& a,
                    const std::vector<uint16_t>& granted) {
  std::vector<rt::OpRecord> flagged = records;
  std::vector<rt::ArenaBuffer> buffers = a.buffers;
  for (uint16_t i = 0; i < flagged.size(); ++i) {
    flagged[i].flags = static_cast<uint8_t>(flagged[i].flags & ~blob::kOpFlagOneChunk);
    if (contains(a.inplace_ops, i)) flagged[i].flags |= blob::kOpFlagInPlace;
    if (contains(granted, i)) flagged[i].flags |= blob::kOpFlagOneChunk;
    if (a.ops[i].scratch != kNoBuffer && !a.patch.contains(i))
      buffers[a.ops[i].scratch].size = static_cast<uint32_t>(rt::op_requirements(flagged[i]).scratch_bytes);
  }
  return place_buffers(flagged, a.patch, &buffers);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(one_chunk_scratch)

// On every builder at every uniform width, with and without a stage and pairs: a granted
// op is a depthwise op outside the stage whose one-chunk scratch is larger than its least
// one, and its scratch buffer has that size; the arena is never larger than with every
// op at its least scratch (the RAM the search budgets is unchanged); an op left out made
// it grow when tried; and the plan is the one load_model re-plans from the flags.
BOOST_AUTO_TEST_CASE(granted_where_the_arena_does_not_grow) {
  int granted = 0, refused = 0;
  for (const char* arch : {"mobilenet_v1", "mobilenet_v2", "mnasnet"}) {
    const QuantGraph g = builder_graph(arch);
    for (int bits : {8, 4, 2}) {
      const std::vector<rt::OpRecord> records = op_records(g, uniform_policy(g, bits, bits));
      for (const bool staged : {false, true}) {
        for (const InplaceKinds kinds : {InplaceKinds::none, InplaceKinds::all}) {
          // With a stage of the stem conv (2x2 grid) beside the grant.
          const rt::PatchStage stage = staged ? rt::PatchStage{0, 1, 2, false} : rt::PatchStage{};
          const InplaceDepthwise inplace = kinds == InplaceKinds::none ? InplaceDepthwise::off : InplaceDepthwise::best;
          const ModelArena a = plan_model_arena(records, stage, inplace, kinds);
          BOOST_TEST_CONTEXT(arch << " w" << bits << "a" << bits << (staged ? " staged" : "")
                                  << (kinds == InplaceKinds::all ? " inplace all" : "")) {
            const uint32_t least = arena_with(records, a, {});
            BOOST_TEST(a.arena_bytes <= least);
            BOOST_TEST(arena_with(records, a, a.one_chunk_ops) == a.arena_bytes);
            BOOST_TEST(std::is_sorted(a.one_chunk_ops.begin(), a.one_chunk_ops.end()));
            for (uint16_t i = 0; i < records.size(); ++i) {
              rt::OpRecord flagged = records[i];
              flagged.flags |= blob::kOpFlagOneChunk;
              const uint32_t one = static_cast<uint32_t>(rt::op_requirements(flagged).scratch_bytes);
              const uint32_t own = static_cast<uint32_t>(rt::op_requirements(records[i]).scratch_bytes);
              const bool candidate = records[i].kind == blob::op_kind::depthwise && !a.patch.contains(i) && one > own;
              if (contains(a.one_chunk_ops, i)) {
                ++granted;
                BOOST_TEST(candidate, "op " << i);
                BOOST_TEST(a.scratch[i] == one, "op " << i);
              } else if (candidate) {
                ++refused;
                // The op-by-op pass (all at once grew the arena) tried it after the
                // earlier ops it granted.
                std::vector<uint16_t> earlier;
                for (uint16_t j : a.one_chunk_ops)
                  if (j < i) earlier.push_back(j);
                earlier.push_back(i);
                BOOST_TEST(arena_with(records, a, earlier) > least, "op " << i << " left out though it fits");
              }
            }
          }
        }
      }
    }
  }
  BOOST_TEST(granted > 0);
  BOOST_TEST(refused > 0);  // both outcomes are reached
}

// The default model at 8 bits: its 128- and 256-channel depthwise layers (4x4 and 2x2
// outputs), which go in chunks with their least scratch, all get one chunk, at the same
// RAM; at 2 bits the last one (op 25, 256 channels), whose least scratch sets the arena's
// peak, keeps its chunks.
BOOST_AUTO_TEST_CASE(the_default_models_chunked_layers) {
  const QuantGraph g = builder_graph("mobilenet_v1");
  const std::vector<rt::OpRecord> w8 = op_records(g, uniform_policy(g, 8, 8));
  const ModelArena a8 = plan_model_arena(w8);
  int chunked = 0;
  for (uint16_t i = 0; i < w8.size(); ++i) {
    rt::OpRecord flagged = w8[i];
    flagged.flags |= blob::kOpFlagOneChunk;
    if (w8[i].kind == blob::op_kind::depthwise &&
        rt::op_requirements(flagged).scratch_bytes > rt::op_requirements(w8[i]).scratch_bytes) {
      ++chunked;
      BOOST_TEST(contains(a8.one_chunk_ops, i), "op " << i);
    }
  }
  BOOST_TEST(chunked == 7);
  BOOST_TEST(arena_with(w8, a8, {}) == a8.arena_bytes);
  const std::vector<rt::OpRecord> w2 = op_records(g, uniform_policy(g, 2, 2));
  const ModelArena a2 = plan_model_arena(w2);
  BOOST_TEST(!contains(a2.one_chunk_ops, 25));
  BOOST_TEST(a2.arena_bytes == arena_with(w2, a2, {}));
  std::vector<uint16_t> with_25 = a2.one_chunk_ops;
  with_25.push_back(25);
  BOOST_TEST(arena_with(w2, a2, with_25) > a2.arena_bytes);
}

BOOST_AUTO_TEST_SUITE_END()
