// FLASH of k-means weights (codebook + indices + the rest of the blob), by hand.
#include <boost/test/unit_test.hpp>

#include "libmpq/mcu/kmeans_flash.hpp"
#include "libmpq/quant/op_records.hpp"
#include "mcu/mcu_fixtures.hpp"

using namespace mpq;

BOOST_AUTO_TEST_SUITE(kmeans_flash)

BOOST_AUTO_TEST_CASE(a_codebook_is_2_to_the_bits_float_centroids) {
  BOOST_TEST(kmeans_codebook_bytes(2) == 16u);
  BOOST_TEST(kmeans_codebook_bytes(4) == 64u);
  BOOST_TEST(kmeans_codebook_bytes(8) == 1024u);
  BOOST_CHECK_THROW(kmeans_codebook_bytes(3), Error);
}

// The chain of test_memory_model (c1 conv 1->4, c2 pointwise 4->6, pool, fc 6->3): its
// 8-bit blob is 1036 bytes; k-means adds one 256-centroid codebook per weighted op.
BOOST_AUTO_TEST_CASE(chain_at_8_bits_is_the_blob_plus_three_1KiB_codebooks) {
  const QuantGraph g = test::graph_of(test::chain_model());
  const MemoryReport r = memory_report(op_records(g, uniform_policy(g, 8, 8)));
  BOOST_REQUIRE(r.flash_bytes == 1036u);
  BOOST_TEST(kmeans_flash_bytes(r) == 1036u + 3 * 1024u);
}

// Mixed: c1 2 bits, c2 4 bits, fc 8 bits. The indices are packed like uniform weights of
// those bits, one row per tap padded to whole bytes: c1 4 x 9 taps of 1 input channel = 36
// bytes (a 2-bit code still takes a byte); c2 6 rows of 4 4-bit codes = 2 bytes each, 12;
// fc 18 bytes padded to 20. The rest of the blob as at 8 bits: 1036 - (36 + 24 + 20) = 956.
// Codebooks 16 + 64 + 1024.
BOOST_AUTO_TEST_CASE(mixed_bits_count_packed_indices_and_one_codebook_per_layer) {
  const QuantGraph g = test::graph_of(test::chain_model());
  Policy p = uniform_policy(g, 8, 8);
  p.layers[0].w_bits = 2;
  p.layers[1].w_bits = 4;
  const MemoryReport r = memory_report(op_records(g, op_bits(g, p)));
  BOOST_TEST(r.flash_bytes == 956u + 36 + 12 + 20);
  BOOST_TEST(kmeans_flash_bytes(r) == 956u + 36 + 12 + 20 + 16 + 64 + 1024);
}

BOOST_AUTO_TEST_SUITE_END()
