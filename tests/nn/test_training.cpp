#include <boost/test/unit_test.hpp>

#include "libmpq/core/error.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/nn/optimizer.hpp"
#include "libmpq/nn/softmax_cross_entropy.hpp"
#include "nn/tiny_model.hpp"

namespace {

// Trains the tiny model for `steps` SGD steps on fresh synthetic batches; returns the
// mean loss of the first and last 10 steps.
std::pair<double, double> train_tiny(mpq::Model& m, int steps, uint64_t seed) {
  mpq::Rng rng(seed);
  mpq::Sgd sgd(m.parameters(), 0.9f, 1e-4f, true);
  mpq::Tensor images, grad;
  std::vector<int32_t> labels;
  double first = 0, last = 0;
  for (int s = 0; s < steps; ++s) {
    mpq::test::synthetic_batch(rng, 16, 8, 3, images, labels);
    const mpq::Tensor& logits = m.forward(images, true);
    auto l = mpq::softmax_cross_entropy(logits, labels, &grad);
    sgd.zero_grad();
    m.backward(grad);
    sgd.step(0.05f);
    if (s < 10) first += l.loss / 10;
    if (s >= steps - 10) last += l.loss / 10;
  }
  return {first, last};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(training)

BOOST_AUTO_TEST_CASE(loss_of_a_small_residual_network_falls_on_a_fixed_seed) {
  auto m = mpq::test::tiny_model();
  auto [first, last] = train_tiny(m, 80, 11);
  BOOST_TEST_MESSAGE("loss " << first << " -> " << last);
  BOOST_TEST(last < 0.5 * first);
}

BOOST_AUTO_TEST_CASE(same_seed_gives_bit_identical_parameters) {
  auto a = mpq::test::tiny_model(), b = mpq::test::tiny_model();
  train_tiny(a, 20, 5);
  train_tiny(b, 20, 5);
  auto pa = a.parameters(), pb = b.parameters();
  BOOST_REQUIRE(pa.size() == pb.size());
  for (size_t i = 0; i < pa.size(); ++i)
    for (int64_t e = 0; e < pa[i]->value.size(); ++e) BOOST_REQUIRE(pa[i]->value[e] == pb[i]->value[e]);
}

BOOST_AUTO_TEST_CASE(model_backward_matches_finite_differences_through_a_residual_branch) {
  // Loss = sum(logits * R); compare d/d(weight) of the first conv (whose output feeds
  // both the residual add and the depthwise branch) against central differences.
  auto m = mpq::test::tiny_model(6, 3, 3);
  mpq::Rng rng(2);
  mpq::Tensor images, r;
  std::vector<int32_t> labels;
  mpq::test::synthetic_batch(rng, 4, 6, 3, images, labels);
  const mpq::Tensor& out = m.forward(images, false);
  r = mpq::Tensor(out.shape());
  for (int64_t i = 0; i < r.size(); ++i) r[i] = rng.normal();
  m.zero_grad();
  m.backward(r);
  mpq::Parameter* w = m.named_parameters()[0].second;
  const mpq::Tensor analytic = w->grad;
  auto loss = [&] {
    const mpq::Tensor& o = m.forward(images, false);
    double s = 0;
    for (int64_t i = 0; i < o.size(); ++i) s += static_cast<double>(o[i]) * r[i];
    return s;
  };
  for (int64_t i = 0; i < w->value.size(); i += 7) {
    const float saved = w->value[i];
    w->value[i] = saved + 1e-2f;
    double up = loss();
    w->value[i] = saved - 1e-2f;
    double down = loss();
    w->value[i] = saved;
    double numeric = (up - down) / 2e-2;
    BOOST_TEST(std::abs(numeric - analytic[i]) <= 2e-2 * std::max(1.0, std::abs(numeric)));
  }
}

BOOST_AUTO_TEST_CASE(infer_equals_forward_in_eval_mode_and_refuses_backward) {
  // MobileNetV2 has residual adds, so outputs stay alive across blocks; infer() must
  // release them only after their last reader, also when interleaved with training.
  mpq::ModelSpec spec;
  spec.arch = "mobilenet_v2";
  spec.width = 0.35f;
  spec.in_channels = 3;
  spec.in_height = spec.in_width = 32;
  spec.classes = 5;
  auto m = mpq::build_model(spec, 3);
  mpq::Rng rng(4);
  for (int round = 0; round < 3; ++round) {
    mpq::Tensor images({round == 1 ? 2 : 3, 32, 32, 3});
    for (int64_t i = 0; i < images.size(); ++i) images[i] = rng.normal();
    const mpq::Tensor reference = m.forward(images, false);
    const mpq::Tensor a = m.infer(images);
    const mpq::Tensor b = m.infer(images);  // reusing the released storage
    BOOST_TEST(a.shape() == reference.shape());
    for (int64_t i = 0; i < reference.size(); ++i) {
      BOOST_TEST(a[i] == reference[i]);
      BOOST_TEST(b[i] == reference[i]);
    }
    BOOST_CHECK_THROW(m.backward(reference), mpq::Error);
    m.forward(images, true);  // training still works after infer()
    m.backward(mpq::Tensor(m.output_of(m.size() - 1).shape(), 1.f));
  }
}

BOOST_AUTO_TEST_SUITE_END()
