// run_model computes what the blob says: the fast and the reference kernels agree bit for
// bit, both agree with a plain executor written here from the formulas, on small graphs
// and the real builders at uniform and mixed policies; the arena's previous contents do
// not matter; bad arguments are refused.
#include <boost/test/unit_test.hpp>

#include <set>
#include <string>
#include <vector>

#include "libmpq/nn/model_builders.hpp"
#include "mcu/mcu_fixtures.hpp"
#include "runtime/plain_executor.hpp"
#include "runtime/runtime_fixtures.hpp"

using namespace mpq;
using rt::KernelVariant;
using rt::Status;

namespace {

struct NamedGraph {
  const char* label;
  QuantGraph graph;
};

std::vector<NamedGraph> small_graphs() {
  return {{"chain", test::graph_of(test::chain_model())},
          {"odd channels", test::graph_of(test::odd_channel_model())},
          {"residual", test::graph_of(test::residual_model())},
          {"pooling", test::graph_of(test::pooling_model())},
          {"windows", test::graph_of(test::window_model())}};
}

QuantGraph real_graph(const char* arch) {
  ModelSpec spec;  // width 0.25, 1x32x32, 10 classes: the default model's size
  spec.arch = arch;
  return build_quant_graph(build_model(spec, 3));
}

// For `images` random images: fast == reference, and == the plain executor if `plain`.
// Returns how many distinct outputs the images gave (a constant output would prove little).
size_t check_outputs(const QuantGraph& graph, const Policy& policy, uint64_t seed, int images, bool plain,
                     const std::string& what) {
  const std::vector<uint8_t> blob = test::random_valid_blob(graph, policy, seed);
  const test::LoadResult loaded = test::load(blob);
  BOOST_REQUIRE_MESSAGE(loaded.status == Status::ok, what << ": load_model: " << rt::status_name(loaded.status));
  std::set<std::vector<int32_t>> distinct;
  for (int i = 0; i < images; ++i) {
    const std::vector<uint8_t> image = test::random_image(graph, seed * 100 + static_cast<uint64_t>(i));
    const std::vector<int32_t> fast = test::run(loaded.model, image, KernelVariant::fast);
    const std::vector<int32_t> reference = test::run(loaded.model, image, KernelVariant::reference);
    BOOST_TEST(fast.size() == static_cast<size_t>(graph.spec.classes), what);
    BOOST_TEST(fast == reference, what << " image " << i << ": fast kernels differ from the reference");
    if (plain) BOOST_TEST(fast == test::run_plain(blob, image), what << " image " << i << ": differs from the plain executor");
    distinct.insert(fast);
  }
  return distinct.size();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(runtime_run)

BOOST_AUTO_TEST_CASE(small_graphs_match_the_plain_executor_with_fast_and_reference_kernels) {
  for (const NamedGraph& g : small_graphs()) {
    uint64_t seed = 11;
    for (const test::NamedPolicy& p : test::test_policies(g.graph)) {
      const std::string what = std::string(g.label) + ", " + p.label;
      const size_t distinct = check_outputs(g.graph, p.policy, seed++, 6, true, what);
      BOOST_TEST(distinct >= 2u, what << ": every image gave the same output");
    }
  }
}

BOOST_AUTO_TEST_CASE(real_builders_match_the_plain_executor_with_fast_and_reference_kernels) {
  for (const char* arch : {"mobilenet_v1", "mobilenet_v2", "mnasnet"}) {
    const QuantGraph graph = real_graph(arch);
    uint64_t seed = 21;
    for (const test::NamedPolicy& p : test::test_policies(graph)) {
      const std::string what = std::string(arch) + ", " + p.label;
      const size_t distinct = check_outputs(graph, p.policy, seed++, 8, true, what);
      // Random (untrained) parameters at 2 bits everywhere can map every image of a deep
      // network to one output; the agreement checks above still ran on it.
      if (std::string(p.label) != "uniform 2/2") BOOST_TEST(distinct >= 2u, what << ": every image gave the same output");
    }
  }
}

BOOST_AUTO_TEST_CASE(many_random_blobs_agree_between_fast_and_reference_kernels) {
  const QuantGraph graph = test::graph_of(test::odd_channel_model());
  for (uint64_t seed = 100; seed < 130; ++seed) {
    Policy policy = test::test_policies(graph)[seed % 4].policy;
    check_outputs(graph, policy, seed, 2, false, "odd channels seed " + std::to_string(seed));
  }
}

BOOST_AUTO_TEST_CASE(output_does_not_depend_on_previous_arena_contents) {
  const QuantGraph graph = test::graph_of(test::residual_model());
  const std::vector<uint8_t> blob = test::random_valid_blob(graph, test::test_policies(graph)[2].policy, 5);
  const test::LoadResult loaded = test::load(blob);
  BOOST_REQUIRE(loaded.status == Status::ok);
  const std::vector<uint8_t> image = test::random_image(graph, 9);
  const std::vector<int32_t> zeros = test::run(loaded.model, image, KernelVariant::fast, 0x00);
  BOOST_TEST(test::run(loaded.model, image, KernelVariant::fast, 0xFF) == zeros);
  BOOST_TEST(test::run(loaded.model, image, KernelVariant::reference, 0x5A) == zeros);

  // Two runs in one arena, the second on another image and back.
  std::vector<uint32_t> arena(loaded.model.arena_bytes / 4);
  std::vector<int32_t> codes(loaded.model.classes);
  const std::vector<uint8_t> other = test::random_image(graph, 10);
  BOOST_REQUIRE(rt::run_model(loaded.model, other.data(), arena.data(), loaded.model.arena_bytes) == Status::ok);
  BOOST_REQUIRE(rt::run_model(loaded.model, image.data(), arena.data(), loaded.model.arena_bytes) == Status::ok);
  BOOST_REQUIRE(rt::unpack_output(loaded.model, arena.data(), codes.data(), loaded.model.classes) == Status::ok);
  BOOST_TEST(codes == zeros);
}

BOOST_AUTO_TEST_CASE(run_refuses_a_small_or_misaligned_arena_and_null_pointers) {
  const QuantGraph graph = test::graph_of(test::chain_model());
  const std::vector<uint8_t> blob = test::random_valid_blob(graph, uniform_policy(graph, 8, 8), 1);
  const test::LoadResult loaded = test::load(blob);
  BOOST_REQUIRE(loaded.status == Status::ok);
  const rt::ModelView& m = loaded.model;
  const std::vector<uint8_t> image = test::random_image(graph, 1);
  std::vector<uint32_t> arena(m.arena_bytes / 4 + 1);
  BOOST_TEST(rt::run_model(m, image.data(), arena.data(), m.arena_bytes - 1) == Status::arena_too_small);
  BOOST_TEST(rt::run_model(m, image.data(), reinterpret_cast<uint8_t*>(arena.data()) + 2, m.arena_bytes) ==
             Status::misaligned_arena);
  BOOST_TEST(rt::run_model(m, nullptr, arena.data(), m.arena_bytes) == Status::bad_argument);
  BOOST_TEST(rt::run_model(m, image.data(), nullptr, m.arena_bytes) == Status::bad_argument);
  BOOST_TEST(rt::run_model(rt::ModelView{}, image.data(), arena.data(), m.arena_bytes) == Status::bad_argument);
}

BOOST_AUTO_TEST_CASE(output_helpers_unpack_codes_and_dequantize_with_the_header_scale) {
  const QuantGraph graph = test::graph_of(test::odd_channel_model());
  Policy policy = uniform_policy(graph, 4, 4);
  policy.layers.back().a_bits = 2;  // 3 logits at 2 bits share one byte
  const std::vector<uint8_t> blob = test::random_valid_blob(graph, policy, 3);
  const test::LoadResult loaded = test::load(blob);
  BOOST_REQUIRE(loaded.status == Status::ok);
  const rt::ModelView& m = loaded.model;
  BOOST_TEST(m.output_bits == 2u);
  std::vector<uint32_t> arena(m.arena_bytes / 4, 0);
  const std::vector<uint8_t> image = test::random_image(graph, 4);
  BOOST_REQUIRE(rt::run_model(m, image.data(), arena.data(), m.arena_bytes) == Status::ok);
  const uint8_t packed = reinterpret_cast<const uint8_t*>(arena.data())[m.output_offset];
  std::vector<int32_t> codes(3);
  BOOST_REQUIRE(rt::unpack_output(m, arena.data(), codes.data(), 3) == Status::ok);
  for (int k = 0; k < 3; ++k) BOOST_TEST(codes[static_cast<size_t>(k)] == ((packed >> (2 * k)) & 3));
  std::vector<float> values(3);
  BOOST_REQUIRE(rt::dequantize_output(m, codes.data(), values.data(), 3) == Status::ok);
  for (size_t k = 0; k < 3; ++k) BOOST_TEST(values[k] == 0.125f * static_cast<float>(codes[k] - m.output_zero_point));
  BOOST_TEST(rt::unpack_output(m, arena.data(), codes.data(), 2) == Status::bad_argument);
  BOOST_TEST(rt::dequantize_output(m, codes.data(), nullptr, 3) == Status::bad_argument);
}

BOOST_AUTO_TEST_SUITE_END()
