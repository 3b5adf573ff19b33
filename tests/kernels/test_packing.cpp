#include <boost/test/unit_test.hpp>
#include <vector>

#include "libmpq/kernels/packing.hpp"
#include "tests/kernels/oracle.hpp"
#include "tests/kernels/test_helpers.hpp"

namespace mk = mpq::kernels;
using mk::Status;

BOOST_AUTO_TEST_SUITE(packing)

BOOST_AUTO_TEST_CASE(unsigned_rows_round_trip_with_low_bits_first_and_zero_padding) {
  mk::testing::CaseRng rng(11);
  for (int32_t bits : {2, 4, 8}) {
    for (int32_t count = 1; count <= 40; ++count) {
      const int32_t rows = rng.range(1, 3);
      std::vector<uint8_t> codes(rows * count);
      for (auto& c : codes) c = static_cast<uint8_t>(rng.range(0, (1 << bits) - 1));
      const int32_t row_bytes = mk::packed_row_bytes(count, bits);
      BOOST_TEST(row_bytes == (count * bits + 7) / 8);
      std::vector<uint8_t> packed(rows * row_bytes, 0xFF), back(codes.size());
      BOOST_REQUIRE(mk::pack_unsigned_rows(codes.data(), rows, count, bits, packed.data()) == Status::ok);
      for (int32_t r = 0; r < rows; ++r) {
        for (int32_t i = 0; i < count; ++i) {
          BOOST_TEST(mk::oracle::unsigned_at(packed.data() + r * row_bytes, i, bits) == codes[r * count + i]);
        }
      }
      BOOST_TEST(padding_bits_are_zero(packed, rows, count, bits));
      BOOST_REQUIRE(mk::unpack_unsigned_rows(packed.data(), rows, count, bits, back.data()) == Status::ok);
      BOOST_TEST(back == codes, boost::test_tools::per_element());
    }
  }
}

BOOST_AUTO_TEST_CASE(signed_rows_round_trip_over_the_full_twos_complement_range) {
  mk::testing::CaseRng rng(12);
  for (int32_t bits : {2, 4, 8}) {
    for (int32_t count = 1; count <= 33; ++count) {
      std::vector<int8_t> values(2 * count);
      for (auto& v : values) v = static_cast<int8_t>(rng.range(-(1 << (bits - 1)), (1 << (bits - 1)) - 1));
      const int32_t row_bytes = mk::packed_row_bytes(count, bits);
      std::vector<uint8_t> packed(2 * row_bytes);
      std::vector<int8_t> back(values.size());
      BOOST_REQUIRE(mk::pack_signed_rows(values.data(), 2, count, bits, packed.data()) == Status::ok);
      for (int32_t i = 0; i < count; ++i) {
        BOOST_TEST(mk::oracle::signed_at(packed.data() + row_bytes, i, bits) == values[count + i]);
        BOOST_TEST(mk::get_signed(packed.data(), i, bits) == values[i]);
      }
      BOOST_TEST(padding_bits_are_zero(packed, 2, count, bits));
      BOOST_REQUIRE(mk::unpack_signed_rows(packed.data(), 2, count, bits, back.data()) == Status::ok);
      BOOST_TEST(back == values, boost::test_tools::per_element());
    }
  }
}

BOOST_AUTO_TEST_CASE(set_unsigned_leaves_neighbouring_values_alone) {
  std::vector<uint8_t> row(2, 0xFF);
  mk::set_unsigned(row.data(), 2, 2, 0);  // bits 4-5 of byte 0
  BOOST_TEST(int(row[0]) == 0xCF);
  mk::set_unsigned(row.data(), 3, 4, 0x5);  // high nibble of byte 1
  BOOST_TEST(int(row[1]) == 0x5F);
  BOOST_TEST(mk::get_unsigned(row.data(), 3, 4) == 5u);
}

BOOST_AUTO_TEST_CASE(packing_refuses_values_that_do_not_fit_and_bad_arguments) {
  std::vector<uint8_t> packed(8);
  const uint8_t big[2] = {3, 4};
  BOOST_TEST(mk::pack_unsigned_rows(big, 1, 2, 2, packed.data()) == Status::bad_value);
  const int8_t low[1] = {-9}, high[1] = {8}, fits[1] = {-8};
  BOOST_TEST(mk::pack_signed_rows(low, 1, 1, 4, packed.data()) == Status::bad_value);
  BOOST_TEST(mk::pack_signed_rows(high, 1, 1, 4, packed.data()) == Status::bad_value);
  BOOST_TEST(mk::pack_signed_rows(fits, 1, 1, 4, packed.data()) == Status::ok);
  BOOST_TEST(mk::pack_unsigned_rows(big, 1, 2, 3, packed.data()) == Status::bad_bits);
  BOOST_TEST(mk::pack_unsigned_rows(big, 0, 2, 8, packed.data()) == Status::bad_shape);
  BOOST_TEST(mk::pack_unsigned_rows(nullptr, 1, 2, 8, packed.data()) == Status::null_pointer);
  BOOST_TEST(mk::unpack_signed_rows(packed.data(), 1, 0, 8, nullptr) == Status::null_pointer);
}

BOOST_AUTO_TEST_CASE(byte_sizes_count_whole_bytes_per_pixel_and_per_tap) {
  BOOST_TEST(mk::activation_bytes(3, 5, 7, 4) == 15 * 4);
  BOOST_TEST(mk::activation_bytes(32, 32, 3, 8) == 3072);
  BOOST_TEST(mk::activation_bytes(2, 2, 5, 2) == 4 * 2);
  BOOST_TEST(mk::conv_weight_bytes(16, 3, 3, 3, 2) == 16 * 9 * 1);
  BOOST_TEST(mk::conv_weight_bytes(64, 1, 1, 32, 4) == 64 * 16);
  BOOST_TEST(mk::depthwise_weight_bytes(3, 3, 10, 4) == 9 * 5);
  BOOST_TEST(mk::fully_connected_weight_bytes(10, 256, 2) == 640);
  BOOST_TEST(mk::fully_connected_weight_bytes(10, 255, 2) == 640);
  BOOST_TEST(mk::activation_bytes(0, 5, 7, 4) == 0);
  BOOST_TEST(mk::activation_bytes(3, 5, 7, 3) == 0);
  BOOST_TEST(mk::activation_bytes(65536, 65536, 8, 8) == 0);  // over INT32_MAX
  BOOST_TEST(mk::conv_weight_bytes(1, -3, 3, 3, 8) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
