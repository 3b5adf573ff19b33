// Export of a model with every window pool (tests/mcu/mcu_fixtures.hpp's pooling model: max
// pools, average pools with and without count_include_pad, after ReLU and after a zero-point
// output) at uniform and mixed policies. Each op of the blob, run through the runtime's
// dispatch (reference and fast kernels) on the fake-quant model's input codes, gives the
// fake-quant model's output codes; the integer model's logits are the fake-quant logits'
// codes.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "libmpq/export/integer_model.hpp"
#include "libmpq/runtime/blob_header.hpp"
#include "mcu/mcu_fixtures.hpp"
#include "tests/export/default_model.hpp"
#include "tests/export/op_agreement.hpp"

namespace {

using mpq::test::kMean;
using mpq::test::kStd;
using mpq::test::on_tie;

struct PoolingModel {
  mpq::Model float_model = mpq::test::pooling_model();
  mpq::ModelSpec spec = float_model.spec();
  std::vector<uint8_t> pixels = mpq::test::synthetic_pixels(spec, 16, 77);
  mpq::Tensor batch = mpq::test::normalized_batch(spec, pixels);
  mpq::Model folded = make_folded();
  mpq::QuantGraph graph = mpq::build_quant_graph(folded);

  mpq::Model make_folded() {
    float_model.reset_parameters(5);
    for (int pass = 0; pass < 20; ++pass) float_model.forward(batch, /*training=*/true);
    return mpq::fold_batch_norm(float_model);
  }
  mpq::Model fake_quant(const mpq::Policy& policy) {
    mpq::FakeQuantOptions options;
    options.input_lo = (0.f - kMean) / kStd;
    options.input_hi = (1.f - kMean) / kStd;
    mpq::Model fq = mpq::build_fake_quant_model(folded, graph, policy, options);
    mpq::calibrate_quantizers(fq, {batch});
    return fq;
  }
  std::vector<uint8_t> export_blob(mpq::Model& fq, const mpq::Policy& policy) {
    return mpq::convert_to_blob(fq, graph, policy, {{kMean, kMean, kMean}, {kStd, kStd, kStd}});
  }
};

struct Agreement {
  int64_t pool_values = 0, pool_mismatches = 0, other_values = 0, other_mismatches = 0;
  int64_t logits = 0, logit_mismatches = 0;
  int64_t ties = 0;  // codes one apart where the fake-quant value sits on a rounding tie
};

Agreement agreement(PoolingModel& m, const mpq::Policy& policy) {
  mpq::Model fq = m.fake_quant(policy);
  const mpq::IntegerModel im(m.export_blob(fq, policy), "pooling blob");
  fq.forward(m.batch, false);
  Agreement a;
  for (const bool reference : {true, false})
    mpq::test::for_each_op_output(fq, m.graph, im, reference, [&](const mpq::test::OpOutput& o) {
      const mpq::QOp& op = m.graph.ops[o.op];
      const bool pool = op.keeps_input_grid();
      for (size_t k = 0; k < o.got.size(); ++k) {
        if (o.got[k] == o.want[k]) continue;
        if (!pool && std::abs(o.got[k] - o.want[k]) == 1 && on_tie(fq, op.name, o.image, k)) ++a.ties;
        else ++(pool ? a.pool_mismatches : a.other_mismatches);
      }
      (pool ? a.pool_values : a.other_values) += static_cast<int64_t>(o.got.size());
    });
  // The whole integer model on the raw pixels against the fake-quant logits' codes (ties:
  // unclipped 8-bit ranges, issue 13, put the fixture's discrete w2a2 logits on exact
  // halves of their grid).
  const mpq::test::LogitAgreement l = mpq::test::logit_agreement(fq, m.graph, im, m.pixels);
  a.logits = l.logits;
  a.logit_mismatches = l.mismatches;
  return a;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(pooling_export, PoolingModel)

BOOST_AUTO_TEST_CASE(the_graph_has_every_pooling_op_without_a_decision) {
  int max = 0, average = 0;
  for (const mpq::QOp& op : graph.ops) {
    max += op.kind == mpq::QOpKind::maxpool;
    average += op.kind == mpq::QOpKind::avgpool2d;
    if (op.keeps_input_grid()) BOOST_TEST(op.decision == -1);
  }
  BOOST_TEST(max == 2);
  BOOST_TEST(average == 2);
}

BOOST_AUTO_TEST_CASE(every_op_and_the_logits_equal_the_fake_quant_model_code_for_code) {
  std::vector<mpq::Policy> policies;
  for (int w : {8, 4, 2})
    for (int a : {8, 4, 2}) policies.push_back(mpq::uniform_policy(graph, w, a));
  mpq::Policy mixed = mpq::uniform_policy(graph, 8, 8);
  const int cycle[] = {8, 2, 4};
  for (size_t d = 0; d < mixed.layers.size(); ++d) {
    mixed.layers[d].w_bits = cycle[d % 3];
    mixed.layers[d].a_bits = cycle[(d + 1) % 3];
  }
  policies.push_back(mixed);
  for (const mpq::Policy& policy : policies) {
    BOOST_TEST_CONTEXT("policy " << policy.key()) {
      const Agreement a = agreement(*this, policy);
      BOOST_TEST(a.pool_values > 1000);
      BOOST_TEST(a.pool_mismatches == 0);
      BOOST_TEST(a.other_mismatches == 0);
      BOOST_TEST(a.logit_mismatches == 0);
      BOOST_TEST(a.ties * 1000 <= a.other_values);  // ties are rare, or the grid is wrong
      BOOST_TEST_MESSAGE(policy.key() << ": " << a.pool_values << " pool codes, " << a.other_values
                                            << " other op codes, " << a.logits << " logits");
    }
  }
}

BOOST_AUTO_TEST_CASE(a_blob_with_window_pools_is_version_3) {
  const mpq::Policy policy = mpq::uniform_policy(graph, 4, 4);
  mpq::Model fq = fake_quant(policy);
  const std::vector<uint8_t> blob = export_blob(fq, policy);
  BOOST_TEST(mpq::rt::decode_blob_header(blob.data()).version == 3);
}

BOOST_AUTO_TEST_SUITE_END()
