// Blobs whose depthwise ops carry blob::kOpFlagOneChunk (the planner's grant of the fast
// kernel's one-chunk scratch): they run bit-exact with the reference kernels, and
// load_model refuses the flag where its sizes do not hold or it has no meaning.
#include <boost/test/unit_test.hpp>

#include <string>

#include "libmpq/mcu/plan_model_arena.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/quant/op_records.hpp"
#include "libmpq/runtime/op_requirements.hpp"
#include "runtime/runtime_fixtures.hpp"

namespace {

using mpq::rt::Status;

mpq::QuantGraph builder_graph(const char* arch) {
  mpq::ModelSpec spec;  // width 0.25, 1x32x32, 10 classes: the default model's shapes
  spec.arch = arch;
  return mpq::build_quant_graph(mpq::build_model(spec, 1));
}

bool flagged(const std::vector<uint8_t>& blob, size_t op) {
  const mpq::BlobHeader h = mpq::decode_blob_header(blob.data(), "blob");
  const mpq::OpRecord r = mpq::decode_op_record(blob.data() + h.ops_offset + mpq::blob::kOpRecordBytes * op);
  return (r.flags & mpq::blob::kOpFlagOneChunk) != 0;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(one_chunk_blobs)

// Every builder at every test policy: the flagged ops are the planner's, and the fast run
// equals the reference run (whose kernels take no scratch).
BOOST_AUTO_TEST_CASE(flagged_ops_run_as_the_reference) {
  int flagged_ops = 0;
  uint64_t seed = 70;
  for (const char* arch : {"mobilenet_v1", "mobilenet_v2", "mnasnet"}) {
    const mpq::QuantGraph graph = builder_graph(arch);
    for (const mpq::test::NamedPolicy& p : mpq::test::test_policies(graph)) {
      const std::string what = std::string(arch) + ", " + p.label;
      const std::vector<mpq::rt::OpRecord> records = mpq::op_records(graph, p.policy);
      const mpq::ModelArena arena = mpq::plan_model_arena(records);
      const std::vector<uint8_t> blob = mpq::test::random_valid_blob(graph, p.policy, seed++);
      for (size_t i = 0; i < records.size(); ++i) {
        const bool granted = std::count(arena.one_chunk_ops.begin(), arena.one_chunk_ops.end(), i) > 0;
        BOOST_TEST(flagged(blob, i) == granted, what << " op " << i);
        flagged_ops += granted ? 1 : 0;
      }
      const mpq::test::LoadResult loaded = mpq::test::load(blob);
      BOOST_REQUIRE_MESSAGE(loaded.status == Status::ok, what << ": " << loaded.status);
      const std::vector<uint8_t> image = mpq::test::random_image(graph, seed);
      BOOST_TEST(mpq::test::run(loaded.model, image, mpq::rt::KernelVariant::fast) ==
                     mpq::test::run(loaded.model, image, mpq::rt::KernelVariant::reference),
                 what);
    }
  }
  BOOST_TEST(flagged_ops > 0);
}

// The flag taken off a granted op (its buffer keeps the one-chunk size), put on an op
// the planner left at its least scratch, on an op whose kind has no such scratch, or on
// an op inside a patch stage (whose scratch is per tile): refused, naming the op.
BOOST_AUTO_TEST_CASE(load_refuses_a_flag_that_does_not_match_its_buffer) {
  const mpq::QuantGraph graph = builder_graph("mobilenet_v1");
  const mpq::Policy policy = mpq::uniform_policy(graph, 8, 8);
  const std::vector<mpq::rt::OpRecord> records = mpq::op_records(graph, policy);
  const mpq::ModelArena arena = mpq::plan_model_arena(records);
  BOOST_REQUIRE(!arena.one_chunk_ops.empty());
  const std::vector<uint8_t> blob = mpq::test::random_valid_blob(graph, policy, 5);
  BOOST_REQUIRE(mpq::test::load(blob).status == Status::ok);
  const uint16_t granted = arena.one_chunk_ops.front();
  std::vector<uint8_t> bad = blob;
  mpq::test::edit_op(bad, granted,
                     [](mpq::OpRecord& r) { r.flags &= static_cast<uint8_t>(~mpq::blob::kOpFlagOneChunk); });
  mpq::test::LoadResult loaded = mpq::test::load(bad);
  BOOST_TEST(loaded.status == Status::buffer_size_mismatch);
  BOOST_TEST(loaded.error.op == granted);

  // At 2 bits op 25's least scratch sets the peak: the planner leaves it in chunks.
  const mpq::Policy w2 = mpq::uniform_policy(graph, 2, 2);
  const mpq::ModelArena arena2 = mpq::plan_model_arena(mpq::op_records(graph, w2));
  BOOST_REQUIRE(std::count(arena2.one_chunk_ops.begin(), arena2.one_chunk_ops.end(), 25) == 0);
  bad = mpq::test::random_valid_blob(graph, w2, 6);
  mpq::test::edit_op(bad, 25, [](mpq::OpRecord& r) { r.flags |= mpq::blob::kOpFlagOneChunk; });
  loaded = mpq::test::load(bad);
  BOOST_TEST(loaded.status == Status::buffer_size_mismatch);
  BOOST_TEST(loaded.error.op == 25u);

  for (size_t i = 0; i < records.size(); ++i) {
    if (records[i].kind == mpq::blob::op_kind::depthwise) continue;
    bad = blob;
    mpq::test::edit_op(bad, i, [](mpq::OpRecord& r) { r.flags |= mpq::blob::kOpFlagOneChunk; });
    loaded = mpq::test::load(bad);
    BOOST_TEST(loaded.status == Status::bad_op_field, "op " << i);
    BOOST_TEST(loaded.error.op == i);
  }

  // A stem stage over ops 0..2 (conv, depthwise, pointwise) on a 2x2 grid.
  const mpq::rt::PatchStage stage{0, 3, 2, false};
  BOOST_REQUIRE(records[1].kind == mpq::blob::op_kind::depthwise);
  bad = mpq::test::random_valid_blob(graph, policy, 7, stage);
  BOOST_REQUIRE(mpq::test::load_any_stage(bad).status == Status::ok);
  mpq::test::edit_op(bad, 1, [](mpq::OpRecord& r) { r.flags |= mpq::blob::kOpFlagOneChunk; });
  loaded = mpq::test::load_any_stage(bad);
  BOOST_TEST(loaded.status == Status::bad_op_field);
  BOOST_TEST(loaded.error.op == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
