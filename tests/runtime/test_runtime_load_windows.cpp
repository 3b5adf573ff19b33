// load_model on blobs with windows that are not square (blob version 4, the op record's
// long-form window): the version, the one encoding of a window, and the long form's fields
// checked against the kernels and the record's output size.
#include <boost/test/unit_test.hpp>

#include <functional>
#include <vector>

#include "mcu/mcu_fixtures.hpp"
#include "runtime/load_checks.hpp"
#include "runtime/runtime_fixtures.hpp"

using namespace mpq;
using rt::Status;

namespace {

// The window model (every op kind with a window, none square but the pointwise c2) at
// mixed bits.
struct WindowBlob : test::MixedBlob {
  WindowBlob() : MixedBlob(test::window_model(), 13) {}
};

}  // namespace

BOOST_AUTO_TEST_SUITE(runtime_load_windows)

BOOST_AUTO_TEST_CASE(a_blob_with_long_form_windows_is_version_4_and_loads) {
  WindowBlob f;
  BOOST_TEST(decode_blob_header(f.blob.data(), "blob").version == 4);
  CHECK_STATUS(f.blob, Status::ok);
  for (const char* name : {"c1", "dw", "mp1", "ap1", "ap2", "c3"})
    BOOST_TEST(rt::has_long_window(f.record(f.op_named(name))), name);
  BOOST_TEST(!rt::has_long_window(f.record(f.op_named("c2"))));
  const rt::RecordWindow c1 = rt::record_window(f.record(f.op_named("c1")));
  BOOST_TEST((c1.kernel_h == 5 && c1.kernel_w == 3 && c1.stride_h == 2 && c1.stride_w == 1));
  BOOST_TEST((c1.pad_top == 2 && c1.pad_bottom == 2 && c1.pad_left == 1 && c1.pad_right == 0));
  // A version 3 reader would take the long form's bytes for reserved ones.
  std::vector<uint8_t> old;
  test::edit_header(old = f.blob, [](BlobHeader& h) { h.version = 3; });
  const test::LoadResult r = test::load(old);
  BOOST_TEST(r.status == Status::bad_op_field);
  BOOST_TEST(r.error.op == f.op_named("c1"));
}

BOOST_AUTO_TEST_CASE(long_form_windows_are_checked_field_by_field) {
  WindowBlob f;
  const size_t c1 = f.op_named("c1"), dw = f.op_named("dw"), mp = f.op_named("mp1"), ap = f.op_named("ap1");
  const size_t c2 = f.op_named("c2"), fc = f.op_named("fc");
  auto expect = [&](size_t op, const std::function<void(OpRecord&)>& edit, Status status) {
    test::check_op_edit_refused(f.blob, op, edit, status);
  };
  // Each field of the long form moves the output size (the record's no longer agrees) or
  // breaks the kernel's window check.
  expect(c1, [](OpRecord& r) { r.kernel_w = 4; }, Status::bad_op_field);       // 8 columns out, not 9
  expect(c1, [](OpRecord& r) { r.stride_w = 2; }, Status::bad_op_field);       // 5 columns out
  expect(c1, [](OpRecord& r) { r.pad_bottom = 0; }, Status::bad_op_field);     // 6 rows out
  expect(dw, [](OpRecord& r) { r.pad_right = 1; }, Status::kernel_rejected);   // padding >= a 1-wide kernel
  expect(mp, [](OpRecord& r) { r.pad_left = 0; }, Status::bad_op_field);       // 4 columns out
  expect(ap, [](OpRecord& r) { r.pad_right = 2; }, Status::kernel_rejected);   // padding >= the 2-wide kernel
  // A square window in the long form, or a long-form field beside the short form: a window
  // has one encoding.
  expect(c2, [](OpRecord& r) { r.kernel_w = 1; r.stride_w = 1; }, Status::bad_op_field);
  expect(c2, [](OpRecord& r) { r.pad_left = 1; }, Status::bad_op_field);
  expect(c1, [](OpRecord& r) { r.kernel_w = 5; r.stride_w = 2; r.pad_left = r.pad_right = 2; },
         Status::bad_op_field);
  // Ops without a window have none in either form.
  expect(fc, [](OpRecord& r) { r.kernel_w = 2; }, Status::bad_op_field);
}

BOOST_AUTO_TEST_SUITE_END()
