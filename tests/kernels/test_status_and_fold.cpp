#include <boost/test/unit_test.hpp>
#include <cstring>
#include <vector>

#include "libmpq/kernels/fold_input_zero_point.hpp"
#include "libmpq/kernels/packing.hpp"
#include "libmpq/kernels/status.hpp"
#include "tests/kernels/test_helpers.hpp"

namespace mk = mpq::kernels;
using mk::Status;

BOOST_AUTO_TEST_SUITE(status_and_fold)

BOOST_AUTO_TEST_CASE(every_status_has_a_distinct_name) {
  for (int32_t i = 0; i < mk::kStatusCount; ++i) {
    for (int32_t j = i + 1; j < mk::kStatusCount; ++j) {
      BOOST_TEST(std::strcmp(mk::status_name(static_cast<Status>(i)), mk::status_name(static_cast<Status>(j))) != 0);
    }
  }
  BOOST_TEST(std::strcmp(mk::status_name(Status::bad_padding), "bad_padding") == 0);
  BOOST_TEST(std::strcmp(mk::status_name(static_cast<Status>(99)), "unknown") == 0);
}

BOOST_AUTO_TEST_CASE(folding_subtracts_zero_point_times_weight_sums) {
  // Two output channels, 2 taps of 3 input channels, 4-bit weights: each code counts 16
  // times (code * 2^(8 - 4), the kernels' weight unit).
  const int8_t w[12] = {1, -2, 3, 4, -8, 7, /* channel 1 */ 0, 0, 0, -1, -1, -1};
  std::vector<uint8_t> packed(mk::conv_weight_bytes(2, 2, 1, 3, 4));
  BOOST_REQUIRE(mk::pack_signed_rows(w, 4, 3, 4, packed.data()) == Status::ok);
  const int32_t bias[2] = {100, INT32_MIN + 1};
  int32_t out[2];
  BOOST_REQUIRE(mk::fold_input_zero_point(packed.data(), 2, 2, 3, 4, 10, bias, out) == Status::ok);
  BOOST_TEST(out[0] == 100 - 10 * 5 * 16);
  BOOST_TEST(out[1] == INT32_MIN + 1 + 30 * 16);
  BOOST_REQUIRE(mk::fold_input_zero_point(packed.data(), 2, 2, 3, 4, 10, nullptr, out) == Status::ok);
  BOOST_TEST(out[0] == -50 * 16);
  // Depthwise: the same values as 2 taps of 6 channels.
  std::vector<uint8_t> dw_packed(mk::depthwise_weight_bytes(2, 1, 6, 4));
  BOOST_REQUIRE(mk::pack_signed_rows(w, 2, 6, 4, dw_packed.data()) == Status::ok);
  int32_t dw[6];
  BOOST_REQUIRE(mk::fold_input_zero_point_depthwise(dw_packed.data(), 2, 6, 4, 3, nullptr, dw) == Status::ok);
  BOOST_TEST(dw[0] == -3 * (1 + 0) * 16);
  BOOST_TEST(dw[4] == -3 * (-8 - 1) * 16);
  BOOST_TEST(mk::fold_input_zero_point(packed.data(), 2, 2, 3, 5, 10, bias, out) == Status::bad_bits);
  BOOST_TEST(mk::fold_input_zero_point(packed.data(), 2, 2, 3, 4, 256, bias, out) == Status::bad_zero_point);
  BOOST_TEST(mk::fold_input_zero_point(nullptr, 2, 2, 3, 4, 1, bias, out) == Status::null_pointer);
}

BOOST_AUTO_TEST_SUITE_END()
