// Export of a model with every window pool (tests/mcu/mcu_fixtures.hpp's pooling model: max
// pools, average pools with and without count_include_pad, after ReLU and after a zero-point
// output) at uniform and mixed policies. Each op of the blob, run through the runtime's
// dispatch (reference and fast kernels) on the fake-quant model's input codes, gives the
// fake-quant model's output codes; the integer model's logits are the fake-quant logits'
// codes.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <vector>

#include "libmpq/runtime/blob_header.hpp"
#include "mcu/mcu_fixtures.hpp"
#include "tests/export/small_model_export.hpp"

namespace {

struct PoolingModel : mpq::test::SmallModelExport {
  PoolingModel() : SmallModelExport(mpq::test::pooling_model()) {}
};

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
  for (const mpq::Policy& policy : mpq::test::export_test_policies(graph)) {
    BOOST_TEST_CONTEXT("policy " << policy.key()) {
      const mpq::test::ExportAgreement a = mpq::test::export_agreement(*this, policy);
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
