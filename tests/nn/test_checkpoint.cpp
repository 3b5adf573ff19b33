#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdlib>

#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/byte_io.hpp"
#include "libmpq/core/crc32.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/nn/checkpoint.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "nn/tiny_model.hpp"
#include "temp_dir.hpp"

namespace {

std::string error_of(const std::string& bytes) {
  try {
    mpq::decode_checkpoint(bytes, "x.mpqc");
  } catch (const mpq::Error& e) {
    return e.what();
  }
  return "";
}

mpq::Checkpoint sample_checkpoint() {
  auto m = mpq::test::tiny_model();
  mpq::Checkpoint c;
  mpq::capture_model(m, c);
  c.meta["kind"] = "float";
  c.meta["epoch"] = "3";
  return c;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(checkpoint)

BOOST_AUTO_TEST_CASE(round_trip_restores_every_tensor_and_field) {
  auto a = mpq::test::tiny_model(8, 3, 1);
  mpq::Checkpoint c;
  mpq::capture_model(a, c);
  c.meta["epoch"] = "7";
  mpq::Checkpoint d = mpq::decode_checkpoint(mpq::encode_checkpoint(c), "mem");
  BOOST_TEST(d.spec.to_string() == a.spec().to_string());
  BOOST_TEST(d.meta_or("epoch", "") == "7");
  auto b = mpq::test::tiny_model(8, 3, 99);  // different initial weights
  mpq::restore_model(d, b, "mem");
  auto pa = a.named_parameters(), pb = b.named_parameters();
  for (size_t i = 0; i < pa.size(); ++i)
    for (int64_t e = 0; e < pa[i].second->value.size(); ++e)
      BOOST_REQUIRE(pa[i].second->value[e] == pb[i].second->value[e]);
  BOOST_TEST(mpq::encode_checkpoint(d) == mpq::encode_checkpoint(c));
}

BOOST_AUTO_TEST_CASE(corrupted_truncated_and_foreign_files_give_clear_errors) {
  std::string bytes = mpq::encode_checkpoint(sample_checkpoint());
  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 0x10;
  BOOST_TEST(error_of(flipped).find("checksum") != std::string::npos);
  BOOST_TEST(error_of(bytes.substr(0, bytes.size() - 5)).find("truncated") != std::string::npos);
  BOOST_TEST(error_of(bytes.substr(0, 10)).find("x.mpqc") != std::string::npos);
  BOOST_TEST(error_of("PK\x03\x04 not a checkpoint at all").find("magic") != std::string::npos);
  std::string future = bytes;
  future[4] = 9;
  BOOST_TEST(error_of(future).find("version 9") != std::string::npos);
  BOOST_TEST(error_of(bytes).empty());
}

BOOST_AUTO_TEST_CASE(restoring_into_a_different_model_names_the_tensor) {
  mpq::Checkpoint c = sample_checkpoint();
  auto other = mpq::test::tiny_model(8, 5);  // 5 classes: fc shapes differ
  try {
    mpq::restore_model(c, other, "x.mpqc");
    BOOST_FAIL("expected an error");
  } catch (const mpq::Error& e) {
    BOOST_TEST(std::string(e.what()).find("fc.weight") != std::string::npos);
  }
  c.tensors.erase(c.tensors.begin());
  auto same = mpq::test::tiny_model();
  BOOST_CHECK_THROW(mpq::restore_model(c, same, "x.mpqc"), mpq::Error);
}

BOOST_AUTO_TEST_CASE(saving_is_atomic_and_loads_back) {
  const mpq::test::TempDir tmp("ckpt");
  const std::string dir = tmp.path();
  mpq::Checkpoint c = sample_checkpoint();
  mpq::save_checkpoint(dir + "/a.mpqc", c);
  BOOST_TEST(!mpq::file_exists(dir + "/a.mpqc.tmp"));
  mpq::Checkpoint d = mpq::load_checkpoint(dir + "/a.mpqc");
  BOOST_TEST(d.tensors.size() == c.tensors.size());
  BOOST_CHECK_THROW(mpq::load_checkpoint(dir + "/missing.mpqc"), mpq::Error);
}

// The message of the Error `f` throws, "" when it throws none.
template <typename F>
std::string thrown(F f) {
  try {
    f();
  } catch (const mpq::Error& e) {
    return e.what();
  }
  return "";
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

BOOST_AUTO_TEST_CASE(a_tensor_whose_shape_lies_about_its_size_is_rejected_before_allocating) {
  mpq::Checkpoint c = sample_checkpoint();
  c.tensors.clear();
  std::string bytes = mpq::encode_checkpoint(c);
  // Appends by hand what encode_checkpoint could not hold: a 65536^4 tensor (the product
  // wraps to 0 in u64) followed by 256 KiB, so that each dimension alone looks possible;
  // then fixes the payload size and checksum.
  mpq::ByteWriter t;
  t.str("huge");
  t.u32(4);
  for (int i = 0; i < 4; ++i) t.i64(65536);
  t.raw(std::string(4 * 65536, '\0').data(), 4 * 65536);
  std::string payload = bytes.substr(20, bytes.size() - 20 - 4) + std::string("\x01\0\0\0", 4) + t.bytes();
  mpq::ByteWriter file;
  file.raw("MPQC", 4);
  file.u32(1);  // a built-in model's checkpoint
  file.u64(payload.size());
  file.u32(mpq::crc32(payload.data(), payload.size()));
  file.raw(payload.data(), payload.size());
  BOOST_TEST(has(error_of(file.bytes()), "x.mpqc: tensor 'huge' of shape 65536x65536x65536x65536 runs past the end"),
             error_of(file.bytes()));
}

BOOST_AUTO_TEST_CASE(a_model_spec_outside_the_bounds_is_rejected_naming_the_field) {
  mpq::Checkpoint c = sample_checkpoint();
  c.spec.in_height = c.spec.in_width = int64_t{1} << 40;
  BOOST_TEST(has(error_of(mpq::encode_checkpoint(c)), "x.mpqc: model input 1x1099511627776x1099511627776"));
  c = sample_checkpoint();
  c.spec.in_height = c.spec.in_width = int64_t{1} << 14;  // each side too large
  BOOST_TEST(has(error_of(mpq::encode_checkpoint(c)), "model input"));
  c = sample_checkpoint();
  c.spec.in_channels = 3;
  c.spec.in_height = c.spec.in_width = 4096;  // sides fine, 50M values per image
  BOOST_TEST(has(error_of(mpq::encode_checkpoint(c)), "values per image"));
  c = sample_checkpoint();
  c.spec.classes = 1000000000000000000;
  BOOST_TEST(has(error_of(mpq::encode_checkpoint(c)), "x.mpqc: model classes 1000000000000000000, expected 2..100000"));
  c = sample_checkpoint();
  c.spec.width = std::nanf("");
  BOOST_TEST(has(error_of(mpq::encode_checkpoint(c)), "model width"));
}

BOOST_AUTO_TEST_CASE(counts_in_metadata_must_be_whole_numbers_in_range) {
  mpq::Checkpoint c = sample_checkpoint();
  BOOST_TEST(c.meta_count("epoch", 100, "x.mpqc") == 3);
  BOOST_TEST(c.meta_count("absent", 100, "x.mpqc") == 0);
  for (const char* bad : {"abc", "", "3x", "-1", "101", "99999999999999999999999", " 3"}) {
    c.meta["epoch"] = bad;
    BOOST_TEST(has(thrown([&] { c.meta_count("epoch", 100, "x.mpqc"); }),
                   "x.mpqc: metadata 'epoch' is '" + std::string(bad).substr(0, 40) + "', expected a whole number 0..100"),
               bad);
  }
}

BOOST_AUTO_TEST_CASE(restoring_refuses_non_finite_values_and_negative_variances) {
  auto m = mpq::test::tiny_model();
  mpq::Checkpoint c = sample_checkpoint();
  c.tensors[0].second[0] = std::nanf("");
  BOOST_TEST(has(thrown([&] { mpq::restore_model(c, m, "x.mpqc"); }),
                 "x.mpqc: tensor '" + c.tensors[0].first + "' holds nan at index 0, expected a finite number"));
  c = sample_checkpoint();
  c.tensors[0].second[1] = INFINITY;
  BOOST_TEST(has(thrown([&] { mpq::restore_model(c, m, "x.mpqc"); }), "at index 1, expected a finite number"));
  c = sample_checkpoint();
  bool has_variance = false;
  for (auto& t : c.tensors)
    if (has(t.first, ".running_var")) {
      t.second[0] = -1.f;
      has_variance = true;
    }
  BOOST_REQUIRE(has_variance);
  BOOST_TEST(has(thrown([&] { mpq::restore_model(c, m, "x.mpqc"); }), "expected a finite variance >= 0"));
  BOOST_TEST(thrown([&] { mpq::restore_model(sample_checkpoint(), m, "x.mpqc"); }).empty());
}

BOOST_AUTO_TEST_SUITE_END()
