// Per-layer k-means weights (HAQ's non-uniform reference): the codebook, the assignment,
// the shared gradient against finite differences, and the fake-quant model around them.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <memory>

#include "libmpq/core/error.hpp"
#include "libmpq/nn/checkpoint.hpp"
#include "libmpq/nn/conv2d.hpp"
#include "libmpq/nn/linear.hpp"
#include "libmpq/quant/fake_quant_model.hpp"
#include "libmpq/quant/fold_batch_norm.hpp"
#include "libmpq/quant/kmeans_weight_quantizer.hpp"
#include "nn/gradient_check.hpp"
#include "nn/tiny_model.hpp"

namespace {

std::vector<float> random_weights(int64_t n, uint64_t seed) {
  mpq::Rng rng(seed);
  std::vector<float> w(static_cast<size_t>(n));
  for (auto& v : w) v = rng.normal() * 0.1f;
  w[3] = 0.9f;  // an outlier, as trained layers have
  return w;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(kmeans_quantizer)

BOOST_AUTO_TEST_CASE(codebook_has_2_to_the_bits_ascending_centroids_and_every_weight_its_nearest) {
  const std::vector<float> w = random_weights(3000, 4);
  for (int bits : {2, 4, 8}) {
    const mpq::KmeansCodebook cb = mpq::kmeans_cluster(w.data(), static_cast<int64_t>(w.size()), bits);
    BOOST_REQUIRE(cb.centroids.size() == (size_t{1} << bits));
    BOOST_REQUIRE(cb.codes.size() == w.size());
    for (size_t j = 1; j < cb.centroids.size(); ++j) BOOST_TEST(cb.centroids[j - 1] <= cb.centroids[j]);
    for (size_t i = 0; i < w.size(); ++i) {
      const float mine = std::abs(w[i] - cb.centroids[static_cast<size_t>(cb.codes[i])]);
      for (float c : cb.centroids) BOOST_REQUIRE(mine <= std::abs(w[i] - c));
    }
  }
}

BOOST_AUTO_TEST_CASE(every_used_centroid_is_the_mean_of_its_weights_and_more_bits_err_less) {
  const std::vector<float> w = random_weights(2000, 9);
  double previous = 1e30;
  for (int bits : {2, 4, 8}) {
    const mpq::KmeansCodebook cb = mpq::kmeans_cluster(w.data(), static_cast<int64_t>(w.size()), bits, 500);
    std::vector<double> sum(cb.centroids.size(), 0.0), count(cb.centroids.size(), 0.0);
    double error = 0;
    for (size_t i = 0; i < w.size(); ++i) {
      sum[static_cast<size_t>(cb.codes[i])] += w[i];
      count[static_cast<size_t>(cb.codes[i])] += 1;
      error += std::pow(w[i] - cb.centroids[static_cast<size_t>(cb.codes[i])], 2);
    }
    for (size_t j = 0; j < sum.size(); ++j)
      if (count[j] > 0)
        BOOST_TEST(std::abs(sum[j] / count[j] - cb.centroids[j]) < 1e-6, bits << " bits, centroid " << j);
    BOOST_TEST(error < previous, bits << " bits");
    previous = error;
  }
  // The extremes are represented: the outlier is its own centroid at 2 bits already.
  const mpq::KmeansCodebook two = mpq::kmeans_cluster(w.data(), static_cast<int64_t>(w.size()), 2);
  BOOST_TEST(two.centroids.back() == 0.9f);
}

BOOST_AUTO_TEST_CASE(fewer_weights_than_centroids_and_equal_weights_are_exact) {
  const float few[3] = {0.5f, -0.25f, 0.125f};
  const mpq::KmeansCodebook cb = mpq::kmeans_cluster(few, 3, 4);
  BOOST_TEST(cb.centroids.size() == 16u);
  for (int i = 0; i < 3; ++i) BOOST_TEST(cb.centroids[static_cast<size_t>(cb.codes[static_cast<size_t>(i)])] == few[i]);
  const float same[4] = {0.3f, 0.3f, 0.3f, 0.3f};
  const mpq::KmeansCodebook one = mpq::kmeans_cluster(same, 4, 2);
  for (int32_t c : one.codes) BOOST_TEST(one.centroids[static_cast<size_t>(c)] == 0.3f);
}

// Weights are scale[channel] * codebook[code], the scale max|w| of the channel (a folded
// BN's multiplier in HAQ's setting), and each code the nearest centroid of w / scale.
BOOST_AUTO_TEST_CASE(the_layer_computes_with_scaled_codebook_entries_only) {
  mpq::Rng rng(2);
  auto conv = std::make_unique<mpq::Conv2d>(3, 5, 3, 1, 1, 1, /*bias=*/true);
  conv->reset_parameters(rng);
  for (int64_t k = 0; k < 27; ++k) conv->weight.value[2 * 27 + k] *= 100.f;  // a channel 100x larger
  const mpq::Tensor original = conv->weight.value;
  mpq::KmeansWeightQuantized q(std::move(conv), 2);
  BOOST_TEST(q.codebook().value.size() == 4);
  BOOST_TEST(q.codes().size() == 5 * 3 * 3 * 3);
  BOOST_REQUIRE(q.scales().size() == 5);
  std::vector<float> codebook(q.codebook().value.data(), q.codebook().value.data() + 4);
  auto* inner = dynamic_cast<mpq::Conv2d*>(&q.inner());
  BOOST_REQUIRE(inner);
  for (int64_t o = 0; o < 5; ++o) {
    float m = 0.f;
    for (int64_t k = 0; k < 27; ++k) m = std::max(m, std::abs(original[o * 27 + k]));
    BOOST_TEST(q.scales()[o] == m);
    for (int64_t k = 0; k < 27; ++k) {
      const int64_t i = o * 27 + k;
      BOOST_TEST(inner->weight.value[i] == q.scales()[o] * codebook[static_cast<size_t>(q.codes()[i])]);
      BOOST_TEST(q.codes()[i] == static_cast<float>(mpq::nearest_centroid(original[i] / m, codebook)));
    }
  }
  // Parameters: the codebook and the bias; the codes are a buffer (fixed, checkpointed).
  const auto params = q.parameters();
  BOOST_REQUIRE(params.size() == 2u);
  BOOST_TEST(params[0]->name == "codebook");
  BOOST_TEST(!params[0]->weight_decay);
  BOOST_TEST(params[1]->name == "bias");
  BOOST_TEST(q.buffers().front().first == "codes");
}

// dL/dc_k = sum of scale * dL/dw_i over the weights with code k, against a plain layer with the
// same weights; and every codebook, bias and input gradient against finite differences of
// the loss.
BOOST_AUTO_TEST_CASE(a_centroid_gradient_is_the_sum_of_its_weights_gradients_and_matches_finite_differences) {
  for (int bits : {2, 4}) {
    mpq::Rng rng(7);
    auto lin = std::make_unique<mpq::Linear>(6, 4);
    lin->reset_parameters(rng);
    mpq::KmeansWeightQuantized q(std::move(lin), bits);
    const mpq::Tensor x = mpq::test::random_tensor({3, 6}, rng);
    const mpq::Tensor r = mpq::test::random_tensor({3, 4}, rng);
    mpq::Tensor y;
    q.forward({&x}, y, true);
    mpq::Tensor gx;
    q.codebook().grad.zero();
    q.backward({&x}, y, r, {&gx});

    mpq::Linear plain(6, 4);
    plain.weight.value = dynamic_cast<mpq::Linear&>(q.inner()).weight.value;
    plain.bias.value = dynamic_cast<mpq::Linear&>(q.inner()).bias.value;
    mpq::Tensor y2, gx2;
    plain.forward({&x}, y2, true);
    plain.weight.grad.zero();
    plain.backward({&x}, y2, r, {&gx2});
    std::vector<double> expected(static_cast<size_t>(q.codebook().value.size()), 0.0);
    for (int64_t i = 0; i < plain.weight.grad.size(); ++i)
      expected[static_cast<size_t>(q.codes()[i])] += q.scales()[i / 6] * plain.weight.grad[i];
    for (size_t k = 0; k < expected.size(); ++k)
      BOOST_TEST(std::abs(q.codebook().grad[static_cast<int64_t>(k)] - expected[k]) < 1e-5,
                 bits << " bits, centroid " << k);

    const mpq::test::GradientError e = mpq::test::check_gradients(q, {x}, true, 3, 1e-2);
    BOOST_TEST(e.worst < 1e-3, bits << " bits: " << e.where);
  }
}

BOOST_AUTO_TEST_CASE(a_damaged_code_is_refused) {
  mpq::Rng rng(3);
  auto lin = std::make_unique<mpq::Linear>(4, 2);
  lin->reset_parameters(rng);
  mpq::KmeansWeightQuantized q(std::move(lin), 2);
  *q.buffers().front().second = mpq::Tensor(q.codes().shape());
  (*q.buffers().front().second)[1] = 4.f;  // 2 bits: codes 0..3
  BOOST_CHECK_THROW(q.refresh(), mpq::Error);
  (*q.buffers().front().second)[1] = 1.5f;
  BOOST_CHECK_THROW(q.refresh(), mpq::Error);
  (*q.buffers().front().second)[1] = 1.f;
  BOOST_CHECK_NO_THROW(q.refresh());
  (*q.buffers().back().second)[0] = 0.f;  // scales
  BOOST_CHECK_THROW(q.refresh(), mpq::Error);
}

// A fake-quant model with k-means weights: every weighted op is a KmeansWeightQuantized of
// the policy's bits, and a checkpoint round trip gives the same outputs.
BOOST_AUTO_TEST_CASE(fake_quant_model_with_kmeans_weights_round_trips_through_a_checkpoint) {
  mpq::Model m = mpq::test::tiny_model();
  mpq::Model folded = mpq::fold_batch_norm(m);
  const mpq::QuantGraph graph = mpq::build_quant_graph(folded);
  mpq::Policy p = mpq::uniform_policy(graph, 4, 8);
  p.layers[0].w_bits = 2;
  mpq::FakeQuantOptions o;
  o.kmeans_weights = true;
  mpq::Model fq = mpq::build_fake_quant_model(folded, graph, p, o);
  int weighted = 0;
  for (const auto& op : graph.ops) {
    if (!op.has_weights()) continue;
    auto* k = dynamic_cast<mpq::KmeansWeightQuantized*>(fq.node(static_cast<size_t>(fq.find(op.name))).layer.get());
    BOOST_REQUIRE(k);
    BOOST_TEST(k->bits() == p.layers[static_cast<size_t>(op.decision)].w_bits);
    ++weighted;
  }
  BOOST_TEST(weighted == 4);
  mpq::Rng rng(1);
  const mpq::Tensor x = mpq::test::random_tensor({2, 8, 8, 1}, rng);
  mpq::calibrate_quantizers(fq, {x});
  const mpq::Tensor before = fq.forward(x, false);
  mpq::Checkpoint ckpt;
  mpq::capture_model(fq, ckpt);
  mpq::Model other_float = mpq::test::tiny_model(8, 3, 99);
  mpq::Model other_folded = mpq::fold_batch_norm(other_float);
  mpq::Model restored = mpq::build_fake_quant_model(other_folded, p, o);
  mpq::restore_model(ckpt, restored, "round trip");
  const mpq::Tensor& after = restored.forward(x, false);
  BOOST_REQUIRE(after.size() == before.size());
  for (int64_t i = 0; i < after.size(); ++i) BOOST_TEST(after[i] == before[i]);
}

BOOST_AUTO_TEST_SUITE_END()
