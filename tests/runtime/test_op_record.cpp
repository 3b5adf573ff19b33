// The runtime's record codecs are the only description of the blob's fixed-size records:
// every byte is a field (so a decode/encode round trip keeps any bytes, reserved ones
// included), and op_requirements is the kernels' own check and buffer sizes.
#include <boost/test/unit_test.hpp>

#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "libmpq/kernels/packing.hpp"
#include "libmpq/kernels/pointwise_convolve.hpp"
#include "libmpq/runtime/blob_header.hpp"
#include "libmpq/runtime/op_record.hpp"
#include "libmpq/runtime/op_requirements.hpp"
#include "runtime/runtime_fixtures.hpp"  // prints statuses

using namespace mpq;

namespace mpq::rt {
inline std::ostream& operator<<(std::ostream& os, OpKernel k) { return os << op_kernel_name(k); }
}  // namespace mpq::rt

BOOST_AUTO_TEST_SUITE(op_record_codec)

BOOST_AUTO_TEST_CASE(decoding_then_encoding_keeps_every_byte_of_op_records_and_headers) {
  std::mt19937 rng(3);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<uint8_t> record(blob::kOpRecordBytes), header(blob::kHeaderBytes);
    for (uint8_t& b : record) b = static_cast<uint8_t>(rng());
    for (uint8_t& b : header) b = static_cast<uint8_t>(rng());
    std::vector<uint8_t> again(record.size(), 0), header_again(header.size(), 0);
    rt::encode_op_record(rt::decode_op_record(record.data()), again.data());
    rt::encode_blob_header(rt::decode_blob_header(header.data()), header_again.data());
    BOOST_TEST(again == record);
    BOOST_TEST(header_again == header);
  }
}

BOOST_AUTO_TEST_CASE(reserved_bytes_are_kept_so_that_the_loader_can_refuse_them) {
  std::vector<uint8_t> bytes(blob::kOpRecordBytes, 0);
  BOOST_TEST(rt::reserved_bytes_zero(rt::decode_op_record(bytes.data())));
  bytes[blob::op::reserved1 + 1] = 0x80;
  BOOST_TEST(!rt::reserved_bytes_zero(rt::decode_op_record(bytes.data())));
}

// A square window has one encoding, the short form; any other window the long form.
BOOST_AUTO_TEST_CASE(windows_are_short_form_when_square_and_long_form_otherwise) {
  rt::OpRecord r;
  rt::set_record_window(r, {3, 3, 2, 2, 1, 1, 1, 1});
  BOOST_TEST(!rt::has_long_window(r));
  BOOST_TEST((r.kernel == 3 && r.stride == 2 && r.padding == 1));
  BOOST_TEST((r.kernel_w == 0 && r.stride_w == 0 && r.pad_bottom == 0 && r.pad_left == 0 && r.pad_right == 0));
  BOOST_TEST(rt::window_form_valid(r));
  BOOST_TEST(rt::record_version_needed(r) == 2);

  const rt::RecordWindow ds_cnn{10, 4, 2, 2, 4, 5, 1, 1};  // SAME padding of a 10x4/2 stem
  rt::set_record_window(r, ds_cnn);
  BOOST_TEST(rt::has_long_window(r));
  const rt::RecordWindow back = rt::record_window(r);
  BOOST_TEST((back.kernel_h == 10 && back.kernel_w == 4 && back.stride_h == 2 && back.stride_w == 2));
  BOOST_TEST((back.pad_top == 4 && back.pad_bottom == 5 && back.pad_left == 1 && back.pad_right == 1));
  BOOST_TEST(rt::window_form_valid(r));
  BOOST_TEST(rt::record_version_needed(r) == blob::kLongWindowVersion);
  std::vector<uint8_t> bytes(blob::kOpRecordBytes, 0);
  rt::encode_op_record(r, bytes.data());
  BOOST_TEST((bytes[blob::op::kernel] == 10 && bytes[blob::op::kernel_w] == 4 && bytes[blob::op::stride_w] == 2));
  BOOST_TEST((bytes[blob::op::pad_bottom] == 5 && bytes[blob::op::pad_left] == 1 && bytes[blob::op::pad_right] == 1));

  // Only the stride or one side differs: still the long form.
  for (const rt::RecordWindow& w : {rt::RecordWindow{3, 3, 2, 1, 1, 1, 1, 1}, rt::RecordWindow{2, 2, 1, 1, 0, 1, 0, 1},
                                    rt::RecordWindow{1, 3, 1, 1, 0, 0, 1, 1}}) {
    rt::set_record_window(r, w);
    BOOST_TEST(rt::has_long_window(r));
    BOOST_TEST(rt::window_form_valid(r));
  }
  // The long form of a square window, and stray long-form bytes in the short form, are
  // not valid encodings.
  r.kernel = r.kernel_w = 3;
  r.stride = r.stride_w = 1;
  r.padding = r.pad_bottom = r.pad_left = r.pad_right = 1;
  BOOST_TEST(!rt::window_form_valid(r));
  r.kernel_w = 0;
  BOOST_TEST(!rt::window_form_valid(r));
}

BOOST_AUTO_TEST_CASE(requirements_are_the_kernels_check_and_sizes) {
  rt::OpRecord r;  // pointwise 8x8x16 -> 8x8x24 at 4 bits
  r.kind = blob::op_kind::conv;
  r.in_h = r.in_w = r.out_h = r.out_w = 8;
  r.in_c = 16;
  r.out_c = 24;
  r.input_bits = r.weight_bits = r.output_bits = 4;
  const rt::OpRequirements needs = rt::op_requirements(r);
  BOOST_TEST(needs.kernel == rt::OpKernel::pointwise_convolve);
  BOOST_TEST(std::string(rt::op_kernel_name(needs.kernel)) == "pointwise_convolve");
  BOOST_TEST(needs.status == kernels::Status::ok);
  const kernels::PointwiseParams p{8, 8, 16, 24, {4, 0}, 4, {4, 0, 0, 0}};
  BOOST_TEST(needs.scratch_bytes == kernels::pointwise_convolve_fast_get_buffer_size(p));
  BOOST_TEST(needs.weight_bytes == kernels::conv_weight_bytes(24, 1, 1, 16, 4));
  BOOST_TEST(needs.output_bytes == kernels::activation_bytes(8, 8, 24, 4));

  r.stride = 2;  // no longer pointwise
  r.out_h = r.out_w = 4;
  BOOST_TEST(rt::op_requirements(r).kernel == rt::OpKernel::convolve);
  rt::set_record_window(r, {1, 3, 1, 1, 0, 0, 1, 1});  // 1x3: kernel 1, stride 1, top padding 0
  r.out_h = r.out_w = 8;
  BOOST_TEST(rt::op_requirements(r).kernel == rt::OpKernel::convolve);
  BOOST_TEST(rt::op_requirements(r).status == kernels::Status::ok);
  BOOST_TEST(rt::op_requirements(r).weight_bytes == kernels::conv_weight_bytes(24, 1, 3, 16, 4));
  rt::set_record_window(r, {1, 1, 2, 2, 0, 0, 0, 0});
  r.out_h = r.out_w = 4;
  r.output_min = 3;  // a clamp above its maximum: the kernel's check refuses it
  r.output_max = 2;
  BOOST_TEST(rt::op_requirements(r).status == kernels::Status::bad_clamp);
}

BOOST_AUTO_TEST_SUITE_END()
