#include <boost/test/unit_test.hpp>

#include "libmpq/core/error.hpp"
#include "libmpq/tensor/tensor.hpp"

BOOST_AUTO_TEST_SUITE(tensor)

BOOST_AUTO_TEST_CASE(shape_size_and_fill) {
  mpq::Tensor t({2, 3, 4, 5}, 1.5f);
  BOOST_TEST(t.size() == 120);
  BOOST_TEST(t.dim(-1) == 5);
  BOOST_TEST(t[119] == 1.5f);
  BOOST_TEST(mpq::shape_to_string(t.shape()) == "2x3x4x5");
}

BOOST_AUTO_TEST_CASE(reshape_keeps_data_and_rejects_wrong_count) {
  mpq::Tensor t({2, 6});
  t[7] = 3.f;
  t.reshape({3, 4});
  BOOST_TEST(t[7] == 3.f);
  BOOST_CHECK_THROW(t.reshape({5, 2}), mpq::Error);
}

BOOST_AUTO_TEST_CASE(shape_elements_refuses_products_past_int64_and_negative_sizes) {
  BOOST_TEST(mpq::shape_elements({65536, 65536, 65536}) == int64_t{1} << 48);
  BOOST_TEST(mpq::shape_elements({65536, 65536, 65536, 65536, 0}) == 0);  // empty, whatever the rest
  BOOST_CHECK_THROW(mpq::shape_elements({65536, 65536, 65536, 65536}), mpq::Error);
  BOOST_CHECK_THROW(mpq::shape_elements({2, -3}), mpq::Error);
  BOOST_CHECK_THROW(mpq::Tensor({65536, 65536, 65536, 65536}), mpq::Error);
}

BOOST_AUTO_TEST_SUITE_END()
