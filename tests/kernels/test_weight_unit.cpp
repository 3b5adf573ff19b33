// Sub-byte weight codes count as the top bits of an 8-bit weight (quant_params.hpp), so a
// bias of b-bit weights is 2^(8 - b) times finer than s_in * s_w: every kernel, reference
// and fast, resolves bias differences below one product of codes.
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <vector>

#include "tests/kernels/test_helpers.hpp"
#include "libmpq/kernels/kernels.hpp"

namespace mk = mpq::kernels;
using mk::Status;

namespace {

// One input value (code 1, 2 bits) times one weight (code 1, weight_bits bits) plus `bias`,
// requantized at 2^-(8 - weight_bits), i.e. one output step per product of codes: the
// output code of every kernel, reference then fast.
std::vector<int32_t> codes_of(int32_t weight_bits, int32_t bias) {
  const mk::ActivationFormat in{2, 0};
  const mk::OutputFormat out = mk::full_range_output(2, 0);
  const uint8_t input = 1, weight = 1;
  // m = 2^30 * 2^(shift - 31) = 2^-(8 - weight_bits)
  const int32_t mult = 1 << 30, shift = 1 - (8 - weight_bits);
  std::vector<uint8_t> scratch_v(4096);
  void* scratch = aligned4(scratch_v);
  const int32_t scratch_bytes = 4000;
  std::vector<int32_t> codes;
  uint8_t y = 0;
  auto add = [&](Status s) {
    BOOST_REQUIRE(s == Status::ok);
    codes.push_back(y & 3);
  };
  const mk::ConvParams c{1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, in, weight_bits, out};
  const mk::PointwiseParams pw{1, 1, 1, 1, in, weight_bits, out};
  const mk::DepthwiseParams dw{1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, in, weight_bits, out};
  const mk::FullyConnectedParams fc{1, 1, in, weight_bits, out};
  add(mk::convolve_ref(c, &input, &weight, &bias, &mult, &shift, &y));
  add(mk::convolve_fast(c, &input, &weight, &bias, &mult, &shift, scratch, scratch_bytes, &y));
  add(mk::pointwise_convolve_ref(pw, &input, &weight, &bias, &mult, &shift, &y));
  add(mk::pointwise_convolve_fast(pw, &input, &weight, &bias, &mult, &shift, scratch, scratch_bytes, &y));
  add(mk::depthwise_convolve_ref(dw, &input, &weight, &bias, &mult, &shift, &y));
  add(mk::depthwise_convolve_fast(dw, &input, &weight, &bias, &mult, &shift, scratch, scratch_bytes, &y));
  add(mk::fully_connected_ref(fc, &input, &weight, &bias, &mult, &shift, &y));
  add(mk::fully_connected_fast(fc, &input, &weight, &bias, &mult, &shift, scratch, scratch_bytes, &y));
  return codes;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(weight_unit)

BOOST_AUTO_TEST_CASE(every_weight_code_counts_its_value_times_two_to_eight_minus_bits) {
  for (int32_t bits : {2, 4, 8}) {
    for (int32_t v = -(1 << (bits - 1)); v < (1 << (bits - 1)); ++v) {
      const int8_t value = static_cast<int8_t>(v);
      uint8_t row = 0;
      BOOST_REQUIRE(mk::pack_signed_rows(&value, 1, 1, bits, &row) == Status::ok);
      row = static_cast<uint8_t>(row | (0xFF << bits));  // garbage padding bits are ignored
      BOOST_TEST(mk::get_weight(&row, 0, bits) == mk::oracle::weight_at(&row, 0, bits));
      BOOST_TEST(mk::get_weight(&row, 0, bits) == v * (1 << mk::weight_scale_shift(bits)));
    }
  }
}

BOOST_AUTO_TEST_CASE(sub_byte_weights_carry_the_bias_at_a_finer_grid) {
  // 2-bit weights: the product counts 64, so a bias of -31 leaves 33/64 of an output step
  // (rounds to 1) and -33 leaves 31/64 (rounds to 0): two 64ths of s_in * s_w apart.
  BOOST_TEST(codes_of(2, -31) == std::vector<int32_t>(8, 1), boost::test_tools::per_element());
  BOOST_TEST(codes_of(2, -33) == std::vector<int32_t>(8, 0), boost::test_tools::per_element());
  BOOST_TEST(codes_of(2, 32) == std::vector<int32_t>(8, 2), boost::test_tools::per_element());  // 1.5: tie up
  // 4-bit weights: 16 per product.
  BOOST_TEST(codes_of(4, -7) == std::vector<int32_t>(8, 1), boost::test_tools::per_element());
  BOOST_TEST(codes_of(4, -9) == std::vector<int32_t>(8, 0), boost::test_tools::per_element());
  // 8-bit weights are unchanged: the product counts 1.
  BOOST_TEST(codes_of(8, 0) == std::vector<int32_t>(8, 1), boost::test_tools::per_element());
  BOOST_TEST(codes_of(8, 1) == std::vector<int32_t>(8, 2), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
