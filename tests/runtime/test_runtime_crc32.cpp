// The runtime's freestanding CRC-32 is zlib's (what set_blob_crc writes).
#include <boost/test/unit_test.hpp>

#include <random>
#include <vector>

#include "libmpq/core/crc32.hpp"
#include "libmpq/runtime/crc32.hpp"

BOOST_AUTO_TEST_SUITE(runtime_crc32)

BOOST_AUTO_TEST_CASE(check_value_of_the_standard_test_string) {
  const uint8_t text[] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
  BOOST_TEST(mpq::rt::crc32(text, 9) == 0xCBF43926u);
  BOOST_TEST(mpq::rt::crc32(text, 0) == 0u);
}

BOOST_AUTO_TEST_CASE(equals_zlib_on_random_data_of_every_small_length_and_in_pieces) {
  std::mt19937 rng(4);
  std::vector<uint8_t> data(1500);
  for (uint8_t& v : data) v = static_cast<uint8_t>(rng());
  for (uint32_t n = 0; n < 70; ++n) BOOST_TEST(mpq::rt::crc32(data.data(), n) == mpq::crc32(data.data(), n));
  const uint32_t whole = mpq::rt::crc32(data.data(), 1500);
  BOOST_TEST(whole == mpq::crc32(data.data(), 1500));
  BOOST_TEST(mpq::rt::crc32(data.data() + 700, 800, mpq::rt::crc32(data.data(), 700)) == whole);
}

BOOST_AUTO_TEST_SUITE_END()
