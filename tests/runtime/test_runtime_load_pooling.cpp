// load_model on blobs with window pools (blob version 3): the version, and every field of
// a pooling record checked on its own.
#include <boost/test/unit_test.hpp>

#include <functional>
#include <vector>

#include "libmpq/mcu/blob_layout.hpp"
#include "mcu/mcu_fixtures.hpp"
#include "runtime/load_checks.hpp"
#include "runtime/runtime_fixtures.hpp"

using namespace mpq;
using rt::Status;

namespace {

// The pooling model (every window pool, both count_include_pad) at mixed bits.
struct PoolingBlob : test::MixedBlob {
  PoolingBlob() : MixedBlob(test::pooling_model(), 11) {}
};

}  // namespace

BOOST_AUTO_TEST_SUITE(runtime_load_pooling)

BOOST_AUTO_TEST_CASE(a_pooling_blob_is_version_3_and_loads) {
  PoolingBlob f;
  BOOST_TEST(decode_blob_header(f.blob.data(), "blob").version == 3);
  CHECK_STATUS(f.blob, Status::ok);
  std::vector<uint8_t> old;
  // A version 2 reader would not know the kinds: a version 2 blob may not hold them.
  test::edit_header(old = f.blob, [](BlobHeader& h) { h.version = 2; });
  const test::LoadResult r = test::load(old);
  BOOST_TEST(r.status == Status::unsupported_op_kind);
  BOOST_TEST(r.error.op == f.op_named("mp1"));
}

BOOST_AUTO_TEST_CASE(window_pool_records_are_checked_field_by_field) {
  PoolingBlob f;
  const size_t mp = f.op_named("mp1"), ap = f.op_named("ap1"), ap_counted = f.op_named("ap2");
  BOOST_TEST((f.record(ap_counted).flags == blob::kOpFlagCountIncludePad));
  auto expect = [&](size_t op, const std::function<void(OpRecord&)>& edit, Status status) {
    test::check_op_edit_refused(f.blob, op, edit, status);
  };
  expect(mp, [](OpRecord& r) { r.flags = blob::kOpFlagCountIncludePad; }, Status::bad_op_field);
  expect(ap, [](OpRecord& r) { r.flags = blob::kOpFlagReluOutput; }, Status::bad_op_field);
  expect(ap, [](OpRecord& r) { r.output_zero_point = (r.input_zero_point + 1) % (1 << r.output_bits); },
         Status::bad_op_field);
  expect(mp, [](OpRecord& r) { r.output_max = 3; }, Status::bad_op_field);
  expect(ap, [](OpRecord& r) { r.input_multiplier = 1 << 30; }, Status::bad_op_field);
  expect(mp, [](OpRecord& r) { r.output_bits = r.input_bits == 8 ? 4 : 8; }, Status::bad_op_field);
  expect(ap, [](OpRecord& r) { r.out_c = static_cast<uint16_t>(r.out_c + 1); }, Status::bad_op_field);
  expect(mp, [](OpRecord& r) { r.stride = 1; }, Status::bad_op_field);  // the output would be 9x9
  expect(mp, [](OpRecord& r) { r.padding = 3; }, Status::kernel_rejected);  // padding >= kernel
  expect(ap, [](OpRecord& r) { r.input_zero_point = r.output_zero_point = 300; }, Status::kernel_rejected);
}

BOOST_AUTO_TEST_SUITE_END()
