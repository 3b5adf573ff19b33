// Export of a model whose convolutions and pools have windows that are not square
// (tests/mcu/mcu_fixtures.hpp's window model: a 5x3/2x1 stem, a 3x1/1x2 depthwise, max and
// average pools of 2x3 and 3x2 windows, asymmetric padding on every op) at uniform and mixed
// policies: every op and the logits equal the fake-quant model code for code, with the
// reference and the fast kernels; the blob is version 4 and its size the memory model's
// FLASH, its arena the memory model's RAM.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <vector>

#include "libmpq/mcu/memory_model.hpp"
#include "libmpq/quant/op_records.hpp"
#include "libmpq/runtime/blob_header.hpp"
#include "mcu/mcu_fixtures.hpp"
#include "tests/export/small_model_export.hpp"

namespace {

struct WindowModel : mpq::test::SmallModelExport {
  WindowModel() : SmallModelExport(mpq::test::window_model()) {}
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(window_export, WindowModel)

BOOST_AUTO_TEST_CASE(every_op_and_the_logits_equal_the_fake_quant_model_code_for_code) {
  int long_windows = 0;
  for (const mpq::QOp& op : graph.ops) long_windows += op.window.is_square() ? 0 : 1;
  BOOST_TEST(long_windows == 6);
  for (const mpq::Policy& policy : mpq::test::export_test_policies(graph)) {
    BOOST_TEST_CONTEXT("policy " << policy.key()) {
      const mpq::test::ExportAgreement a = mpq::test::export_agreement(*this, policy);
      BOOST_TEST(a.pool_values > 500);
      BOOST_TEST(a.other_values > 1000);
      BOOST_TEST(a.pool_mismatches == 0);
      BOOST_TEST(a.other_mismatches == 0);
      BOOST_TEST(a.logit_mismatches == 0);
      BOOST_TEST(a.ties * 1000 <= a.other_values);  // ties are rare, or the grid is wrong
    }
  }
}

BOOST_AUTO_TEST_CASE(the_blob_is_version_4_and_its_size_and_arena_are_the_memory_model_s) {
  for (const mpq::Policy& policy : mpq::test::export_test_policies(graph)) {
    mpq::Model fq = fake_quant(policy);
    const std::vector<uint8_t> blob = export_blob(fq, policy);
    const mpq::rt::BlobHeader h = mpq::rt::decode_blob_header(blob.data());
    const mpq::MemoryReport report = mpq::memory_report(mpq::op_records(graph, policy));
    BOOST_TEST(h.version == 4);
    BOOST_TEST(blob.size() == report.flash_bytes, policy.key());
    BOOST_TEST(h.arena_bytes == report.ram_bytes, policy.key());
  }
}

BOOST_AUTO_TEST_SUITE_END()
