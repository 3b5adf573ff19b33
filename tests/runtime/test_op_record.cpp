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
  bytes[blob::op::reserved0 + 1] = 1;
  BOOST_TEST(!rt::reserved_bytes_zero(rt::decode_op_record(bytes.data())));
  bytes[blob::op::reserved0 + 1] = 0;
  bytes[blob::op::reserved1 + 3] = 0x80;
  BOOST_TEST(!rt::reserved_bytes_zero(rt::decode_op_record(bytes.data())));
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
  r.output_min = 3;  // a clamp above its maximum: the kernel's check refuses it
  r.output_max = 2;
  BOOST_TEST(rt::op_requirements(r).status == kernels::Status::bad_clamp);
}

BOOST_AUTO_TEST_SUITE_END()
