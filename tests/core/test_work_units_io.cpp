#include <boost/test/unit_test.hpp>

#include "libmpq/core/error.hpp"
#include "libmpq/core/work_units_io.hpp"

BOOST_AUTO_TEST_SUITE(work_units_io)

BOOST_AUTO_TEST_CASE(round_trip_keeps_each_field_in_its_place) {
  mpq::WorkUnits work;
  work.evaluations = 3;
  work.train_batches = 1'000'000'007;
  work.val_images = -1;  // distinct values: a swapped pair of fields cannot pass
  mpq::ByteWriter w;
  mpq::write_work_units(w, work);
  w.f64(2.5);  // what follows is still read from its place
  mpq::ByteReader r(w.bytes(), "buf");
  const mpq::WorkUnits back = mpq::read_work_units(r);
  BOOST_TEST(back.evaluations == 3);
  BOOST_TEST(back.train_batches == 1'000'000'007);
  BOOST_TEST(back.val_images == -1);
  BOOST_TEST(r.f64("after") == 2.5);
  BOOST_TEST(r.remaining() == 0u);
}

BOOST_AUTO_TEST_CASE(truncated_units_name_the_missing_field) {
  mpq::ByteWriter w;
  w.i64(1);
  w.i64(2);
  mpq::ByteReader r(w.bytes(), "a score from another rank");
  BOOST_CHECK_EXCEPTION(mpq::read_work_units(r), mpq::Error, [](const mpq::Error& e) {
    return std::string(e.what()).find("validation images") != std::string::npos;
  });
}

BOOST_AUTO_TEST_SUITE_END()
