#include <boost/test/unit_test.hpp>

#include "libmpq/core/error.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/nn/model_graph.hpp"
#include "libmpq/quant/policy.hpp"

namespace {

mpq::QuantGraph graph_of(const std::string& arch, float width = 0.25f) {
  mpq::ModelSpec s;
  s.arch = arch;
  s.width = width;
  return mpq::build_quant_graph(mpq::build_model(s, 1));
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const mpq::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(policy)

BOOST_AUTO_TEST_CASE(quant_graph_has_one_decision_per_conv_linear_and_add) {
  auto v1 = graph_of("mobilenet_v1");
  BOOST_TEST(v1.decision_ops.size() == 28u);  // 27 convs + classifier
  BOOST_TEST(v1.ops.size() == 29u);           // + global pooling
  BOOST_TEST(v1.ops[0].relu_output);
  BOOST_TEST(v1.ops[0].relu_cap == 6.f);
  BOOST_TEST((v1.ops[1].kind == mpq::QOpKind::depthwise));
  BOOST_TEST((v1.ops.back().kind == mpq::QOpKind::fc));
  BOOST_TEST(!v1.ops.back().relu_output);
  auto v2 = graph_of("mobilenet_v2", 1.0f);
  int adds = 0;
  for (const auto& op : v2.ops) adds += op.kind == mpq::QOpKind::add;
  BOOST_TEST(adds == 10);
  BOOST_TEST(v2.decision_ops.size() == 52u + 1u + 10u);
  // A projection conv feeding an add has a signed output (no ReLU).
  for (const auto& op : v2.ops)
    if (op.kind == mpq::QOpKind::add) {
      BOOST_TEST(!v2.ops[static_cast<size_t>(op.inputs[1])].relu_output);
      BOOST_TEST(!op.relu_output);
    }
  auto mn = graph_of("mnasnet");
  BOOST_TEST(mn.ops[0].relu_cap > 1e30f);  // plain ReLU
}

BOOST_AUTO_TEST_CASE(json_round_trip_keeps_every_field) {
  auto g = graph_of("mobilenet_v2");
  mpq::Policy p = mpq::uniform_policy(g, 4, 8);
  for (auto& l : p.layers)
    if (l.kind == "depthwise") {
      l.w_bits = 2;
      break;
    }
  p.layers[5].a_bits = 2;
  mpq::Policy q = mpq::policy_from_json(mpq::policy_to_json(p), "mem");
  BOOST_TEST((q == p));
  BOOST_TEST(q.key() == p.key());
  mpq::validate_policy(q, g, "mem");
  for (const auto& l : q.layers)
    if (l.kind == "add") BOOST_TEST(l.w_bits == 0);
}

BOOST_AUTO_TEST_CASE(a_stored_graphs_policy_names_it_by_fingerprint) {
  mpq::Model built = mpq::build_model(mpq::ModelSpec{}, 1);
  const mpq::ModelSpec spec = mpq::graph_model_spec(mpq::describe_graph(built), 1, 32, 32, 10);
  const mpq::QuantGraph g = mpq::build_quant_graph(mpq::build_model(spec, 1));
  const mpq::Policy p = mpq::uniform_policy(g, 4, 4);
  const std::string text = mpq::policy_to_json(p);
  mpq::Policy q = mpq::policy_from_json(text, "mem");
  BOOST_TEST((q == p));
  BOOST_TEST(!q.spec.graph);  // the graph itself lives in the checkpoint
  mpq::validate_policy(q, g, "mem");
  std::string other = text;
  const size_t at = other.find("\"graph\": \"") + 10;
  other.replace(at, 8, other[at] == '0' ? "10000000" : "00000000");
  BOOST_TEST(!error_of([&] { mpq::validate_policy(mpq::policy_from_json(other, "p.json"), g, "p.json"); }).empty());
  other.replace(at, 8, "0x123456");
  BOOST_TEST(error_of([&] { mpq::policy_from_json(other, "p.json"); }).find("expected 8 hex digits") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(policies_that_do_not_fit_the_model_are_rejected_naming_the_problem) {
  auto g = graph_of("mobilenet_v1");
  mpq::Policy p = mpq::uniform_policy(g, 8, 8);
  mpq::Policy short_p = p;
  short_p.layers.pop_back();
  BOOST_TEST(error_of([&] { mpq::validate_policy(short_p, g, "p.json"); }).find("27 layers, the model has 28") !=
             std::string::npos);
  mpq::Policy renamed = p;
  renamed.layers[2].name = "nope";
  BOOST_TEST(error_of([&] { mpq::validate_policy(renamed, g, "p.json"); }).find("'nope'") != std::string::npos);
  mpq::Policy bad_bits = p;
  bad_bits.layers[1].w_bits = 3;
  BOOST_TEST(error_of([&] { mpq::validate_policy(bad_bits, g, "p.json"); }).find("w_bits is 3") != std::string::npos);
  auto g2 = graph_of("mobilenet_v2");
  BOOST_TEST(error_of([&] { mpq::validate_policy(p, g2, "p.json"); }).find("mobilenet_v1") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(malformed_json_gives_one_line_errors) {
  BOOST_TEST(error_of([] { mpq::policy_from_json("{", "p.json"); }).find("p.json: not valid JSON") == 0u);
  BOOST_TEST(error_of([] { mpq::policy_from_json("{\"format\":\"x\"}", "p.json"); }).find("format") !=
             std::string::npos);
  const std::string no_layers =
      R"({"format":"mpq-policy","version":1,"model":{"arch":"mobilenet_v1","width":0.25,"input":"1x32x32","classes":10,"small_input":true}})";
  BOOST_TEST(error_of([&] { mpq::policy_from_json(no_layers, "p.json"); }).find("'layers'") != std::string::npos);
  const std::string bad_a = no_layers.substr(0, no_layers.size() - 1) +
                            R"(,"layers":[{"name":"a","kind":"conv","w_bits":8,"a_bits":5}]})";
  BOOST_TEST(error_of([&] { mpq::policy_from_json(bad_a, "p.json"); }).find("a_bits is 5") != std::string::npos);
  BOOST_CHECK_THROW(mpq::load_policy("/nonexistent/p.json"), mpq::Error);
}

BOOST_AUTO_TEST_CASE(bits_and_classes_must_be_whole_numbers_in_range) {
  auto policy_text = [](const std::string& classes, const std::string& w_bits) {
    return R"({"format":"mpq-policy","version":1,"model":{"arch":"mobilenet_v1","width":0.25,"input":"1x32x32","classes":)" +
           classes + R"(,"small_input":true},"layers":[{"name":"a","kind":"conv","w_bits":)" + w_bits +
           R"(,"a_bits":8}]})";
  };
  BOOST_TEST(error_of([&] { mpq::policy_from_json(policy_text("10", "4"), "p.json"); }).empty());
  const std::pair<std::string, std::string> cases[] = {
      {policy_text("10", "2.9"), "p.json: field 'layers[0].w_bits' is 2.9, expected a whole number 0..64"},
      {policy_text("10", "8.5"), "'layers[0].w_bits' is 8.5"},
      {policy_text("10", "4294967298"), "'layers[0].w_bits' is 4294967298"},
      {policy_text("10", "-4"), "'layers[0].w_bits' is -4"},
      {policy_text("10", "[[[4]]]"), "'layers[0].w_bits' is an array"},
      {policy_text("10.7", "4"), "p.json: field 'model.classes' is 10.7, expected a whole number 2..100000"},
      {policy_text("1000000000000000000", "4"), "'model.classes' is 1000000000000000000"},
      {policy_text("18446744073709551615", "4"), "'model.classes' is 18446744073709551615"},
  };
  for (const auto& c : cases) {  // a lambda may not capture a structured binding in C++17 (clang refuses)
    const std::string& text = c.first;
    BOOST_TEST(error_of([&] { mpq::policy_from_json(text, "p.json"); }).find(c.second) != std::string::npos, c.second);
  }
}

// The policy fuzzer's find: "version": 6.66667e+33 went through j.value("version", 0),
// a double to int conversion out of range (undefined behaviour, flagged by UBSan).
BOOST_AUTO_TEST_CASE(huge_or_fractional_version_and_width_are_refused) {
  auto policy_text = [](const std::string& version, const std::string& width) {
    return R"({"format":"mpq-policy","version":)" + version + R"(,"model":{"arch":"mobilenet_v1","width":)" + width +
           R"(,"input":"1x32x32","classes":10,"small_input":true},"layers":[{"name":"a","kind":"conv","w_bits":4,"a_bits":8}]})";
  };
  BOOST_TEST(error_of([&] { mpq::policy_from_json(policy_text("1", "0.25"), "p.json"); }).empty());
  const std::pair<std::string, std::string> cases[] = {
      {policy_text("6.66667e+33", "0.25"), "p.json: field 'version' must be 1"},
      {policy_text("1.0", "0.25"), "field 'version' must be 1"},
      {policy_text("18446744073709551617", "0.25"), "field 'version' must be 1"},
      {policy_text("\"1\"", "0.25"), "field 'version' must be 1"},
      {policy_text("1", "1e300"), "p.json: field 'model.width' is"},
      {policy_text("1", "-0.5"), "field 'model.width' is"},
  };
  for (const auto& c : cases) {
    const std::string& text = c.first;
    BOOST_TEST(error_of([&] { mpq::policy_from_json(text, "p.json"); }).find(c.second) != std::string::npos, c.second);
  }
}

BOOST_AUTO_TEST_SUITE_END()
