#include <boost/test/unit_test.hpp>

#include "libmpq/core/byte_io.hpp"
#include "libmpq/core/crc32.hpp"
#include "libmpq/core/error.hpp"

BOOST_AUTO_TEST_SUITE(byte_io)

BOOST_AUTO_TEST_CASE(round_trip_of_every_field_type) {
  mpq::ByteWriter w;
  w.u8(200);
  w.u32(0xdeadbeef);
  w.u64(0x0123456789abcdefULL);
  w.i64(-5);
  w.f32(-1.5f);
  w.f64(3.25);
  w.str("hello");
  float f[3] = {1.f, -2.f, 0.5f};
  w.floats(f, 3);
  mpq::ByteReader r(w.bytes(), "buf");
  BOOST_TEST(r.u8("a") == 200);
  BOOST_TEST(r.u32("b") == 0xdeadbeefu);
  BOOST_TEST(r.u64("c") == 0x0123456789abcdefULL);
  BOOST_TEST(r.i64("d") == -5);
  BOOST_TEST(r.f32("e") == -1.5f);
  BOOST_TEST(r.f64("f") == 3.25);
  BOOST_TEST(r.str("g") == "hello");
  float g[3];
  r.floats(g, 3, "h");
  BOOST_TEST(g[1] == -2.f);
  BOOST_TEST(r.remaining() == 0u);
}

BOOST_AUTO_TEST_CASE(truncated_read_names_the_field) {
  mpq::ByteWriter w;
  w.u32(7);
  mpq::ByteReader r(w.bytes(), "model.mpqc");
  try {
    r.u64("layer count");
    BOOST_FAIL("expected an error");
  } catch (const mpq::Error& e) {
    std::string msg = e.what();
    BOOST_TEST(msg.find("model.mpqc") != std::string::npos);
    BOOST_TEST(msg.find("layer count") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(crc32_matches_the_standard_check_value) {
  const char* s = "123456789";
  BOOST_TEST(mpq::crc32(s, 9) == 0xCBF43926u);
}

BOOST_AUTO_TEST_CASE(float_runs_are_checked_before_their_byte_count_can_wrap) {
  const std::string bytes(8, '\0');
  mpq::ByteReader empty(bytes, "f");
  empty.floats(nullptr, 0, "nothing");  // no copy from or to a null pointer
  BOOST_TEST(empty.remaining() == 8u);
  mpq::ByteReader r(bytes, "f");
  float out[2];
  BOOST_CHECK_THROW(r.floats(out, (SIZE_MAX / 4) + 2, "data"), mpq::Error);  // * 4 wraps to 4
  r.floats(out, 2, "data");
  BOOST_TEST(r.remaining() == 0u);
}

BOOST_AUTO_TEST_CASE(a_flag_is_0_or_1_and_any_other_byte_is_refused) {
  const std::string bytes("\x00\x01\x02", 3);
  mpq::ByteReader r(bytes, "f");
  BOOST_TEST(!r.flag("a"));
  BOOST_TEST(r.flag("b"));
  BOOST_CHECK_THROW(r.flag("c"), mpq::Error);  // would save back as 1
}

BOOST_AUTO_TEST_SUITE_END()
