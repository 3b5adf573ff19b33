#include <boost/test/unit_test.hpp>

#include <cstdlib>

#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/nn/checkpoint.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "nn/tiny_model.hpp"

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
  char tmpl[] = "/tmp/mpq_ckpt_XXXXXX";
  std::string dir = mkdtemp(tmpl);
  mpq::Checkpoint c = sample_checkpoint();
  mpq::save_checkpoint(dir + "/a.mpqc", c);
  BOOST_TEST(!mpq::file_exists(dir + "/a.mpqc.tmp"));
  mpq::Checkpoint d = mpq::load_checkpoint(dir + "/a.mpqc");
  BOOST_TEST(d.tensors.size() == c.tensors.size());
  BOOST_CHECK_THROW(mpq::load_checkpoint(dir + "/missing.mpqc"), mpq::Error);
}

BOOST_AUTO_TEST_SUITE_END()
