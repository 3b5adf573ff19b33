// Selective linking (kernel_table.hpp): load_model refuses a blob whose op variant is not
// in the table it is given and names the variant; a table of exactly the blob's variants
// runs it like the table of all of them; a table without reference functions refuses a
// reference run; all_kernels holds every variant once.
#include <boost/test/unit_test.hpp>

#include <cstring>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "libmpq/nn/model_builders.hpp"
#include "mcu/mcu_fixtures.hpp"
#include "runtime/runtime_fixtures.hpp"

using namespace mpq;
using rt::Status;

namespace {

using Key = std::tuple<int, int, int, int>;
Key key_of(const rt::OpVariant& v) {
  return {static_cast<int>(v.kernel), v.input_bits, v.weight_bits, v.output_bits};
}
Key key_of(const mpq_fw_kernel& e) { return {e.op_kernel, e.input_bits, e.weight_bits, e.output_bits}; }

// The variant of every op, in op order, read from the blob's records.
std::vector<rt::OpVariant> op_variants(const std::vector<uint8_t>& blob) {
  const rt::BlobHeader h = rt::decode_blob_header(blob.data());
  std::vector<rt::OpVariant> out;
  for (uint32_t i = 0; i < h.op_count; ++i)
    out.push_back(rt::op_variant(rt::decode_op_record(blob.data() + h.ops_offset + i * blob::kOpRecordBytes)));
  return out;
}

// all_kernels' entries whose variant is in (keep == true) or not in `variants`.
std::vector<mpq_fw_kernel> entries(const std::vector<rt::OpVariant>& variants, bool keep) {
  std::set<Key> keys;
  for (const rt::OpVariant& v : variants) keys.insert(key_of(v));
  std::vector<mpq_fw_kernel> out;
  const rt::KernelTable& all = rt::all_kernels();
  for (uint32_t k = 0; k < all.count; ++k)
    if ((keys.count(key_of(all.kernels[k])) != 0) == keep) out.push_back(all.kernels[k]);
  return out;
}

test::LoadResult load_with(const std::vector<uint8_t>& blob, const rt::KernelTable& table) {
  test::LoadResult result;
  rt::BlobMemory memory{};
  const auto bytes = static_cast<uint32_t>(blob.size());
  BOOST_REQUIRE(rt::query_blob_memory(blob.data(), bytes, &memory) == Status::ok);
  std::vector<uint32_t> scratch(memory.load_scratch_bytes / 4 + 1);
  result.status =
      rt::load_model(blob.data(), bytes, scratch.data(), memory.load_scratch_bytes, table, &result.model, &result.error);
  return result;
}

std::vector<QuantGraph> graphs() {
  ModelSpec spec;  // the default model's size
  spec.arch = "mobilenet_v2";
  return {test::graph_of(test::residual_model()), test::graph_of(test::pooling_model()),
          build_quant_graph(build_model(spec, 3))};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(kernel_table)

BOOST_AUTO_TEST_CASE(a_blob_whose_variant_is_missing_from_the_table_is_refused_and_the_variant_named) {
  uint64_t seed = 5;
  for (const QuantGraph& graph : graphs()) {
    for (const test::NamedPolicy& p : test::test_policies(graph)) {
      const std::vector<uint8_t> blob = test::random_valid_blob(graph, p.policy, seed++);
      const std::vector<rt::OpVariant> ops = op_variants(blob);
      // Leave out, in turn, the variant of the first, a middle and the last op.
      for (size_t drop : {size_t{0}, ops.size() / 2, ops.size() - 1}) {
        const std::vector<mpq_fw_kernel> reduced = entries({ops[drop]}, false);
        BOOST_REQUIRE_EQUAL(reduced.size(), size_t{MPQ_FW_KERNEL_VARIANT_COUNT} - 1u);
        const rt::KernelTable table{reduced.data(), static_cast<uint32_t>(reduced.size())};
        const test::LoadResult r = load_with(blob, table);
        BOOST_TEST(r.status == Status::kernel_not_linked, p.label << ", op " << drop << ": " << r.status);
        size_t first = 0;
        while (!(ops[first] == ops[drop])) ++first;
        BOOST_TEST(r.error.op == first, p.label);
        BOOST_TEST((r.error.variant == ops[drop]), p.label);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(a_table_of_exactly_the_blobs_variants_runs_it_like_all_kernels) {
  uint64_t seed = 40;
  for (const QuantGraph& graph : graphs()) {
    for (const test::NamedPolicy& p : test::test_policies(graph)) {
      const std::vector<uint8_t> blob = test::random_valid_blob(graph, p.policy, seed++);
      const std::vector<mpq_fw_kernel> own = entries(op_variants(blob), true);
      const rt::KernelTable table{own.data(), static_cast<uint32_t>(own.size())};
      const test::LoadResult mine = load_with(blob, table);
      BOOST_REQUIRE_MESSAGE(mine.status == Status::ok, p.label << ": " << mine.status);
      const test::LoadResult all = test::load(blob);
      BOOST_REQUIRE(all.status == Status::ok);
      const std::vector<uint8_t> image = test::random_image(graph, seed);
      BOOST_TEST(test::run(mine.model, image, rt::KernelVariant::fast) ==
                     test::run(all.model, image, rt::KernelVariant::fast),
                 p.label);
      BOOST_TEST(test::run(mine.model, image, rt::KernelVariant::reference) ==
                     test::run(all.model, image, rt::KernelVariant::fast),
                 p.label);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_reference_run_without_reference_kernels_is_refused) {
  const QuantGraph graph = test::graph_of(test::residual_model());
  const std::vector<uint8_t> blob = test::random_valid_blob(graph, test::test_policies(graph)[0].policy, 3);
  std::vector<mpq_fw_kernel> fast_only = entries(op_variants(blob), true);
  for (mpq_fw_kernel& e : fast_only) e.reference = nullptr;
  const rt::KernelTable table{fast_only.data(), static_cast<uint32_t>(fast_only.size())};
  const test::LoadResult r = load_with(blob, table);
  BOOST_REQUIRE(r.status == Status::ok);
  std::vector<uint32_t> arena(r.model.arena_bytes / 4 + 1);
  const std::vector<uint8_t> image = test::random_image(graph, 1);
  BOOST_TEST(rt::run_model(r.model, image.data(), arena.data(), r.model.arena_bytes, rt::KernelVariant::fast) ==
             Status::ok);
  BOOST_TEST(rt::run_model(r.model, image.data(), arena.data(), r.model.arena_bytes, rt::KernelVariant::reference) ==
             Status::kernel_not_linked);
}

BOOST_AUTO_TEST_CASE(all_kernels_holds_every_variant_once_with_both_functions) {
  const rt::KernelTable& all = rt::all_kernels();
  BOOST_REQUIRE_EQUAL(all.count, uint32_t{MPQ_FW_KERNEL_VARIANT_COUNT});
  std::set<Key> keys;
  for (uint32_t k = 0; k < all.count; ++k) {
    const mpq_fw_kernel& e = all.kernels[k];
    keys.insert(key_of(e));
    BOOST_TEST((e.fast != nullptr && e.reference != nullptr));
    rt::OpVariant v;
    v.kernel = static_cast<rt::OpKernel>(e.op_kernel);
    v.input_bits = e.input_bits;
    v.weight_bits = e.weight_bits;
    v.output_bits = e.output_bits;
    BOOST_TEST(rt::find_kernel(all, v) == &e);
  }
  BOOST_TEST(keys.size() == all.count);
  rt::OpVariant v;
  v.kernel = rt::OpKernel::convolve;
  v.input_bits = 8;
  v.weight_bits = 4;
  v.output_bits = 2;
  char name[40];
  BOOST_TEST(std::string(rt::op_variant_name(v, name, sizeof name)) == "convolve_i8_w4_o2");
  BOOST_TEST(std::string(rt::op_variant_name(v, name, 9)) == "convolve");  // truncated, terminated
}

BOOST_AUTO_TEST_SUITE_END()
