#include <boost/test/unit_test.hpp>

#include <cstring>

#include "libmpq/train/teacher_logits_cache.hpp"
#include "libmpq/train/trainer.hpp"
#include "nn/tiny_model.hpp"
#include "train/synthetic_data.hpp"

namespace {

bool same_bits(const mpq::Tensor& a, const mpq::Tensor& b) {
  return a.shape() == b.shape() &&
         std::memcmp(a.data(), b.data(), static_cast<size_t>(a.size()) * sizeof(float)) == 0;
}

std::vector<float> flat_parameters(mpq::Model& m) {
  std::vector<float> v;
  for (auto* p : m.parameters()) v.insert(v.end(), p->value.data(), p->value.data() + p->value.size());
  return v;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(teacher_logits_cache)

// Seen images are answered with the teacher's own logits, other images (here one value
// apart) go to the teacher, and a cache without room stores nothing.
BOOST_AUTO_TEST_CASE(answers_only_images_equal_to_ones_seen) {
  mpq::Model teacher = mpq::test::tiny_model(8, 3, 5);
  mpq::Rng rng(3);
  mpq::Tensor a;
  std::vector<int32_t> labels;
  mpq::test::synthetic_batch(rng, 4, 8, 3, a, labels);
  mpq::Tensor b = a;
  b[17] += 0.5f;
  mpq::TeacherLogitsCache cache(teacher);
  const mpq::Tensor want_a = teacher.infer(a), want_b = teacher.infer(b);
  BOOST_REQUIRE(!same_bits(want_a, want_b));
  BOOST_TEST(same_bits(cache.logits(a), want_a));
  BOOST_TEST(cache.hits() == 0);
  BOOST_TEST(same_bits(cache.logits(a), want_a));
  BOOST_TEST(cache.hits() == 1);
  BOOST_TEST(same_bits(cache.logits(b), want_b));
  BOOST_TEST(cache.hits() == 1);
  BOOST_TEST(same_bits(cache.logits(a), want_a));  // still there after another entry
  BOOST_TEST(cache.hits() == 2);
  mpq::TeacherLogitsCache full(teacher, /*max_bytes=*/0);
  BOOST_TEST(same_bits(full.logits(a), want_a));
  BOOST_TEST(same_bits(full.logits(a), want_a));
  BOOST_TEST(full.hits() == 0);
}

// Fine-tunes on the same batches (one seed) distilling through one cache: the second is
// answered from it and ends with the same weights, bit for bit, as one distilling from
// the teacher directly.
BOOST_AUTO_TEST_CASE(a_fine_tune_through_the_cache_equals_one_with_the_teacher) {
  const mpq::test::SyntheticData train(128, 1);
  mpq::Model teacher = mpq::test::tiny_model(8, 3, 9);
  mpq::TrainOptions o;
  o.epochs = 2;
  o.batch_size = 32;
  o.lr = 0.05f;
  o.quiet = true;
  mpq::TeacherLogitsCache cache(teacher);
  std::vector<float> cached;
  for (int run = 0; run < 2; ++run) {
    mpq::Model student = mpq::test::tiny_model();
    mpq::Trainer t(student, train, nullptr, o);
    t.set_teacher(cache, 0.5f, 2.f);
    t.run();
    cached = flat_parameters(student);
  }
  BOOST_TEST(cache.hits() == 8);  // the second run's 2 epochs x 4 batches
  mpq::Model student = mpq::test::tiny_model();
  mpq::Trainer t(student, train, nullptr, o);
  t.set_teacher(teacher, 0.5f, 2.f);
  t.run();
  const std::vector<float> direct = flat_parameters(student);
  BOOST_TEST(cached == direct);
  mpq::Model undistilled = mpq::test::tiny_model();
  mpq::Trainer u(undistilled, train, nullptr, o);
  u.run();
  BOOST_TEST(flat_parameters(undistilled) != direct);  // the teacher did change the result
}

BOOST_AUTO_TEST_SUITE_END()
