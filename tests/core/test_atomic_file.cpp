#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <string>

#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/error.hpp"

BOOST_AUTO_TEST_SUITE(atomic_file)

BOOST_AUTO_TEST_CASE(replaces_content_and_leaves_no_temp_file) {
  char dir_template[] = "/tmp/mpq_test_XXXXXX";
  std::string dir = mkdtemp(dir_template);
  std::string path = dir + "/f.bin";
  mpq::write_file_atomically(path, "first");
  mpq::write_file_atomically(path, std::string("sec\0nd", 6));
  BOOST_TEST(mpq::read_file(path) == std::string("sec\0nd", 6));
  BOOST_TEST(!mpq::file_exists(path + ".tmp"));
}

BOOST_AUTO_TEST_CASE(unwritable_or_missing_path_is_an_error) {
  BOOST_CHECK_THROW(mpq::write_file_atomically("/nonexistent_dir_mpq/x", "a"), mpq::Error);
  BOOST_CHECK_THROW(mpq::read_file("/nonexistent_dir_mpq/x"), mpq::Error);
}

BOOST_AUTO_TEST_SUITE_END()
