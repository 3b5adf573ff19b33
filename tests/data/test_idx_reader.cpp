#include <boost/test/unit_test.hpp>

#include "fixtures.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/data/idx_reader.hpp"

using fixtures::check_error_mentions;

BOOST_AUTO_TEST_SUITE(idx_reader)

namespace {
std::vector<uint8_t> ramp(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 37 % 256);
  return v;
}
}  // namespace

BOOST_AUTO_TEST_CASE(raw_images_and_labels_round_trip) {
  fixtures::TempDir dir;
  const std::vector<uint8_t> pixels = ramp(3 * 4 * 5);
  fixtures::write_bytes(dir.file("img"), fixtures::idx_images_bytes(3, 4, 5, pixels));
  fixtures::write_bytes(dir.file("lab"), fixtures::idx_labels_bytes({2, 0, 9}));
  const mpq::IdxImages images = mpq::read_idx_images(dir.file("img"));
  BOOST_TEST(images.count == 3);
  BOOST_TEST(images.rows == 4);
  BOOST_TEST(images.cols == 5);
  BOOST_TEST(images.pixels == pixels);
  BOOST_TEST(mpq::read_idx_labels(dir.file("lab"), 10) == std::vector<uint8_t>({2, 0, 9}));
}

BOOST_AUTO_TEST_CASE(gzip_files_are_detected_by_magic_not_by_name) {
  fixtures::TempDir dir;
  const std::vector<uint8_t> pixels = ramp(7 * 28 * 28);
  fixtures::write_bytes(dir.file("images.bin"), fixtures::gzip(fixtures::idx_images_bytes(7, 28, 28, pixels)));
  fixtures::write_bytes(dir.file("labels.gz"), fixtures::gzip(fixtures::idx_labels_bytes({1, 2, 3, 4, 5, 6, 7})));
  const mpq::IdxLabelledImages set =
      mpq::read_idx_labelled_images(dir.file("images.bin"), dir.file("labels.gz"), 10);
  BOOST_TEST(set.images.count == 7);
  BOOST_TEST(set.images.pixels == pixels);
  BOOST_TEST(set.labels == std::vector<uint8_t>({1, 2, 3, 4, 5, 6, 7}));
}

BOOST_AUTO_TEST_CASE(concatenated_gzip_members_are_joined) {
  fixtures::TempDir dir;
  const std::string bytes = fixtures::idx_labels_bytes({1, 2, 3, 4});
  fixtures::write_bytes(dir.file("l.gz"), fixtures::gzip(bytes.substr(0, 5)) + fixtures::gzip(bytes.substr(5)));
  BOOST_TEST(mpq::read_idx_labels(dir.file("l.gz"), 10) == std::vector<uint8_t>({1, 2, 3, 4}));
}

BOOST_AUTO_TEST_CASE(a_file_that_inflates_past_the_limit_is_refused) {
  fixtures::TempDir dir;
  fixtures::write_bytes(dir.file("bomb.gz"), fixtures::gzip(std::string(300000, '\0')));  // a few hundred bytes
  BOOST_TEST(mpq::read_maybe_gzipped_file(dir.file("bomb.gz"), 300000).size() == 300000u);
  try {
    mpq::read_maybe_gzipped_file(dir.file("bomb.gz"), 100000);
    BOOST_ERROR("inflated past the limit");
  } catch (const mpq::Error& e) {
    BOOST_TEST(std::string(e.what()).find("bomb.gz: inflates to more than 100000 bytes") != std::string::npos, e.what());
  }
}

BOOST_AUTO_TEST_CASE(wrong_magic_is_an_error_naming_the_file) {
  fixtures::TempDir dir;
  fixtures::write_bytes(dir.file("labels-as-images"), fixtures::idx_labels_bytes({1, 2}));
  check_error_mentions([&] { mpq::read_idx_images(dir.file("labels-as-images")); },
                       {dir.file("labels-as-images"), "0x00000803", "0x00000801"});
  fixtures::write_bytes(dir.file("images-as-labels"), fixtures::idx_images_bytes(1, 1, 1, {5}));
  check_error_mentions([&] { mpq::read_idx_labels(dir.file("images-as-labels"), 10); },
                       {dir.file("images-as-labels"), "0x00000801"});
}

BOOST_AUTO_TEST_CASE(truncated_files_are_errors_naming_the_file) {
  fixtures::TempDir dir;
  std::string full = fixtures::idx_images_bytes(10, 28, 28, ramp(10 * 28 * 28));
  fixtures::write_bytes(dir.file("short"), full.substr(0, full.size() - 1));
  check_error_mentions([&] { mpq::read_idx_images(dir.file("short")); }, {dir.file("short"), "truncated"});
  fixtures::write_bytes(dir.file("header-only"), full.substr(0, 10));
  check_error_mentions([&] { mpq::read_idx_images(dir.file("header-only")); }, {dir.file("header-only"), "truncated"});
  const std::string gz = fixtures::gzip(full);
  fixtures::write_bytes(dir.file("short.gz"), gz.substr(0, gz.size() / 2));
  check_error_mentions([&] { mpq::read_idx_images(dir.file("short.gz")); }, {dir.file("short.gz"), "truncated"});
  std::string labels = fixtures::idx_labels_bytes({1, 2, 3});
  fixtures::write_bytes(dir.file("labels-short"), labels.substr(0, labels.size() - 2));
  check_error_mentions([&] { mpq::read_idx_labels(dir.file("labels-short"), 10); },
                       {dir.file("labels-short"), "truncated", "3 labels"});
}

BOOST_AUTO_TEST_CASE(header_whose_size_overflows_is_a_truncated_file) {
  fixtures::TempDir dir;
  std::string bytes = fixtures::idx_images_bytes(1, 1, 1, {7});
  for (size_t i = 4; i < 16; ++i) bytes[i] = '\xff';  // (2^32-1)^3 bytes promised
  fixtures::write_bytes(dir.file("huge"), bytes);
  check_error_mentions([&] { mpq::read_idx_images(dir.file("huge")); }, {dir.file("huge"), "truncated"});
}

BOOST_AUTO_TEST_CASE(trailing_bytes_and_corrupt_gzip_are_errors_naming_the_file) {
  fixtures::TempDir dir;
  fixtures::write_bytes(dir.file("long"), fixtures::idx_labels_bytes({1, 2}) + "xx");
  check_error_mentions([&] { mpq::read_idx_labels(dir.file("long"), 10); }, {dir.file("long"), "unexpected bytes"});
  std::string gz = fixtures::gzip(fixtures::idx_labels_bytes({1, 2, 3}));
  for (size_t i = 12; i < gz.size() - 8; ++i) gz[i] = static_cast<char>(gz[i] ^ 0x5a);
  fixtures::write_bytes(dir.file("corrupt.gz"), gz);
  check_error_mentions([&] { mpq::read_idx_labels(dir.file("corrupt.gz"), 10); }, {dir.file("corrupt.gz"), "gzip"});
}

BOOST_AUTO_TEST_CASE(label_count_mismatch_names_both_files) {
  fixtures::TempDir dir;
  fixtures::write_bytes(dir.file("img"), fixtures::idx_images_bytes(3, 2, 2, ramp(12)));
  fixtures::write_bytes(dir.file("lab"), fixtures::idx_labels_bytes({1, 2}));
  check_error_mentions([&] { mpq::read_idx_labelled_images(dir.file("img"), dir.file("lab"), 10); },
                       {dir.file("lab"), dir.file("img"), "2 labels", "expected 3"});
}

BOOST_AUTO_TEST_CASE(label_not_below_class_count_is_an_error_naming_file_and_index) {
  fixtures::TempDir dir;
  fixtures::write_bytes(dir.file("lab"), fixtures::idx_labels_bytes({1, 9, 10, 2}));
  check_error_mentions([&] { mpq::read_idx_labels(dir.file("lab"), 10); },
                       {dir.file("lab"), "label 10", "index 2", "below 10"});
  BOOST_TEST(mpq::read_idx_labels(dir.file("lab"), 11).size() == 4u);
}

BOOST_AUTO_TEST_CASE(unreadable_file_is_an_error_naming_it) {
  check_error_mentions([] { mpq::read_idx_images("/nonexistent_mpq_dir/train-images"); },
                       {"/nonexistent_mpq_dir/train-images"});
}

BOOST_AUTO_TEST_SUITE_END()
