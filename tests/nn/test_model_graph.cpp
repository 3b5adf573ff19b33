// Stored graphs (nn/model_graph.hpp): a model rebuilt from its description and its
// checkpoint alone computes what the original did; damaged descriptions are refused.
#include <boost/test/unit_test.hpp>

#include <functional>

#include "libmpq/core/byte_io.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/nn/checkpoint.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/nn/model_graph.hpp"
#include "nn/tiny_model.hpp"

namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const mpq::Error& e) {
    return e.what();
  }
  return "";
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

mpq::ModelSpec tiny_graph_spec() {
  return mpq::graph_model_spec(mpq::describe_graph(mpq::test::tiny_model()), 1, 8, 8, 3);
}

uint32_t version_of(const std::string& bytes) { return mpq::ByteReader(bytes, "x", 4, 8).u32("version"); }

}  // namespace

BOOST_AUTO_TEST_SUITE(model_graph)

BOOST_AUTO_TEST_CASE(a_graph_model_restored_from_its_checkpoint_alone_computes_the_same_logits) {
  auto original = mpq::test::tiny_model();
  mpq::Model graph_model = mpq::build_model(tiny_graph_spec(), 7);
  mpq::Checkpoint source;
  mpq::capture_model(original, source);
  mpq::restore_model(source, graph_model, "tiny");
  mpq::Checkpoint c;
  mpq::capture_model(graph_model, c);
  const std::string bytes = mpq::encode_checkpoint(c);
  BOOST_TEST(version_of(bytes) == 2u);
  const mpq::Checkpoint back = mpq::decode_checkpoint(bytes, "x.mpqc");
  BOOST_TEST(mpq::encode_checkpoint(back) == bytes);
  BOOST_TEST(back.spec.to_string() == c.spec.to_string());
  mpq::Model rebuilt = mpq::build_model(back.spec, 3);
  mpq::restore_model(back, rebuilt, "x.mpqc");

  mpq::Tensor images({2, 8, 8, 1});
  for (int64_t i = 0; i < images.size(); ++i) images[i] = static_cast<float>((i * 37) % 11) / 5.f - 1.f;
  const mpq::Tensor a = original.forward(images, false);
  const mpq::Tensor b = rebuilt.forward(images, false);
  BOOST_REQUIRE(a.shape() == b.shape());
  for (int64_t i = 0; i < a.size(); ++i) BOOST_TEST(a[i] == b[i]);
}

BOOST_AUTO_TEST_CASE(builtin_checkpoints_stay_version_1) {
  auto m = mpq::build_model(mpq::ModelSpec{}, 1);
  mpq::Checkpoint c;
  mpq::capture_model(m, c);
  BOOST_TEST(version_of(mpq::encode_checkpoint(c)) == 1u);
}

BOOST_AUTO_TEST_CASE(the_fingerprint_tells_graphs_apart) {
  mpq::ModelGraph g = mpq::describe_graph(mpq::test::tiny_model());
  const mpq::ModelSpec a = mpq::graph_model_spec(g, 1, 8, 8, 3);
  g.nodes[0].stride = 2;
  const mpq::ModelSpec b = mpq::graph_model_spec(g, 1, 8, 8, 3);
  BOOST_TEST(a.to_string() != b.to_string());
  BOOST_TEST(has(a.to_string(), "graph "));
}

BOOST_AUTO_TEST_CASE(a_graph_that_does_not_hold_together_is_refused_naming_the_node) {
  mpq::ModelGraph g = mpq::describe_graph(mpq::test::tiny_model());
  g.nodes[3].groups = 3;  // the depthwise conv: 3 does not divide 8
  BOOST_TEST(has(error_of([&] { mpq::build_model(mpq::graph_model_spec(g, 1, 8, 8, 3)); }),
                 "graph node 'dw' (conv): groups 3 do not divide channels 8 -> 8"));
  g = mpq::describe_graph(mpq::test::tiny_model());
  BOOST_TEST(has(error_of([&] { mpq::build_model(mpq::graph_model_spec(g, 1, 8, 8, 5)); }),
                 "last node 'fc' outputs 1x3, expected 1x5"));
  g.nodes[6].in = 4;  // the pointwise conv reads 8 channels
  BOOST_TEST(!error_of([&] { mpq::build_model(mpq::graph_model_spec(g, 1, 8, 8, 3)); }).empty());
  mpq::ModelSpec no_graph = tiny_graph_spec();
  no_graph.graph.reset();
  BOOST_TEST(has(error_of([&] { mpq::build_model(no_graph); }), "is a stored graph; give the checkpoint"));
}

BOOST_AUTO_TEST_CASE(a_stored_graph_larger_than_its_file_is_refused_before_allocating) {
  mpq::ModelGraph g = mpq::describe_graph(mpq::test::tiny_model());
  g.nodes[0].out = g.nodes[0].in = mpq::kMaxGraphChannels;
  g.nodes[0].kernel = 4096;
  mpq::ByteWriter w;
  mpq::encode_graph(w, g);
  mpq::ByteReader r(w.bytes(), "x.mpqc");
  BOOST_TEST(has(error_of([&] { mpq::decode_graph(r, "x.mpqc", 1000); }), "more parameters than the file holds"));
}

// The kind byte's wide-window flag belongs to convolution and pooling nodes; on any other
// node the graph would load and save back to other bytes (a fuzz find).
BOOST_AUTO_TEST_CASE(the_wide_window_flag_on_a_node_without_a_window_is_refused) {
  const mpq::ModelGraph g = mpq::describe_graph(mpq::test::tiny_model());
  size_t bn = 0;
  while (bn < g.nodes.size() && g.nodes[bn].kind != mpq::LayerKind::BatchNorm) ++bn;
  BOOST_REQUIRE(bn < g.nodes.size());
  mpq::ByteWriter w;
  mpq::encode_graph(w, g);
  std::string bytes = w.bytes();
  const std::string& name = g.nodes[bn].name;
  std::string stored_name(4, '\0');
  stored_name[0] = static_cast<char>(name.size());  // little-endian u32 length, then the name
  stored_name += name;
  const size_t at = bytes.find(stored_name);
  BOOST_REQUIRE(at != std::string::npos);
  const size_t kind_at = at + stored_name.size();
  BOOST_REQUIRE(static_cast<uint8_t>(bytes[kind_at]) == static_cast<uint8_t>(mpq::LayerKind::BatchNorm));
  {
    mpq::ByteReader r(bytes, "x.mpqc");
    BOOST_TEST(error_of([&] { mpq::decode_graph(r, "x.mpqc", 1 << 20); }).empty());
  }
  bytes[kind_at] = static_cast<char>(bytes[kind_at] | 0x80);
  mpq::ByteReader r(bytes, "x.mpqc");
  const std::string error = error_of([&] { mpq::decode_graph(r, "x.mpqc", 1 << 20); });
  BOOST_TEST(has(error, "graph node '" + name + "'"), error);
  BOOST_TEST(has(error, "wide-window flag"), error);
}

BOOST_AUTO_TEST_CASE(a_version_2_checkpoint_must_hold_a_graph_and_version_1_must_not) {
  mpq::Model m = mpq::build_model(tiny_graph_spec(), 1);
  mpq::Checkpoint c;
  mpq::capture_model(m, c);
  std::string bytes = mpq::encode_checkpoint(c);
  // Relabel it as version 1 (the CRC covers the payload only).
  bytes[4] = 1;
  BOOST_TEST(
      has(error_of([&] { mpq::decode_checkpoint(bytes, "x.mpqc"); }), "model 'graph' in a version 1 checkpoint"));
  bytes[4] = 3;
  BOOST_TEST(has(error_of([&] { mpq::decode_checkpoint(bytes, "x.mpqc"); }),
                 "checkpoint version 3, this build reads version 1 to 2"));
}

BOOST_AUTO_TEST_SUITE_END()
