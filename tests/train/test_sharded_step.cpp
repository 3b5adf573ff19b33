// ShardedStep (libmpq/train/sharded_step.hpp) in one process: the shards' gradients add
// up to the batch's, and the running state moves by the whole batch's statistics. The
// same on N ranks is cli_mpi's.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "libmpq/core/error.hpp"
#include "libmpq/nn/softmax_cross_entropy.hpp"
#include "libmpq/quant/range_quantizer.hpp"
#include "libmpq/train/sharded_step.hpp"
#include "nn/tiny_model.hpp"

namespace {

mpq::LossResult pass(mpq::Model& m, const mpq::Tensor& x, const std::vector<int32_t>& y, float scale) {
  mpq::Tensor grad;
  const mpq::LossResult l = mpq::softmax_cross_entropy(m.forward(x, true), y, &grad);
  for (int64_t i = 0; i < grad.size(); ++i) grad[i] *= scale;
  m.backward(grad);
  return l;
}

std::vector<float> gradients(mpq::Model& m) {
  std::vector<float> g;
  for (auto* p : m.parameters()) g.insert(g.end(), p->grad.data(), p->grad.data() + p->grad.size());
  return g;
}

// No batch statistics: the shards' passes compute the batch's gradient.
mpq::Model without_batch_norm() {
  mpq::ModelSpec spec;
  spec.arch = "tiny";
  spec.in_channels = 1;
  spec.in_height = spec.in_width = 8;
  spec.classes = 3;
  mpq::Model m(spec);
  m.add("c1", std::make_unique<mpq::Conv2d>(1, 4, 3, 1, 1), {mpq::Model::kInput});
  m.add("r1", std::make_unique<mpq::ReLU>());
  m.add("pool", std::make_unique<mpq::GlobalAvgPool>());
  m.add("fc", std::make_unique<mpq::Linear>(4, 3));
  m.reset_parameters(3);
  return m;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sharded_step)

BOOST_AUTO_TEST_CASE(uneven_shards_add_up_to_the_batch_gradient_and_loss) {
  mpq::Rng rng(5);
  mpq::Tensor images;
  std::vector<int32_t> labels;
  mpq::test::synthetic_batch(rng, 10, 8, 3, images, labels);  // shards of 4, 3 and 3 images
  mpq::Model m = without_batch_norm();
  mpq::ShardedStep whole(m, 1, false);
  const mpq::ShardedLoss one = whole.run(images, labels, [&](auto& x, auto& y, float s) { return pass(m, x, y, s); });
  const std::vector<float> expected = gradients(m);
  mpq::ShardedStep three(m, 3, false);
  const mpq::ShardedLoss sharded =
      three.run(images, labels, [&](auto& x, auto& y, float s) { return pass(m, x, y, s); });
  const std::vector<float> got = gradients(m);
  BOOST_REQUIRE(got.size() == expected.size());
  double largest = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    largest = std::max(largest, std::fabs(static_cast<double>(expected[i])));
    BOOST_TEST(std::fabs(got[i] - expected[i]) <= 1e-6f + 1e-5f * std::fabs(expected[i]), i);
  }
  BOOST_TEST(largest > 1e-3);  // a gradient that is not all zeros
  BOOST_TEST(std::fabs(sharded.loss_sum - one.loss_sum) <= 1e-5 * std::fabs(one.loss_sum));
  BOOST_TEST(sharded.correct == one.correct);
}

BOOST_AUTO_TEST_CASE(batch_norm_running_statistics_are_the_whole_batch_s) {
  mpq::Rng rng(6);
  mpq::Tensor images;
  std::vector<int32_t> labels;
  mpq::test::synthetic_batch(rng, 10, 8, 3, images, labels);  // shards of 3, 3 and 4 images
  for (int64_t i = 6 * 64; i < images.size(); ++i) images[i] += 1.f;  // shard 2 brighter: shards' means differ
  mpq::Model sharded = mpq::test::tiny_model(), by_hand = mpq::test::tiny_model();
  mpq::ShardedStep step(sharded, 3, false);
  step.run(images, labels, [&](auto& x, auto& y, float s) { return pass(sharded, x, y, s); });

  // Every BatchNorm's input in each shard's pass (a pass normalizes with its own shard's
  // statistics, so the deeper layers' inputs are those of the shards' passes).
  std::vector<std::vector<std::vector<float>>> inputs(by_hand.size());  // [node][shard] values
  for (int64_t k = 0; k < 3; ++k) {
    const int64_t begin = 10 * k / 3, end = 10 * (k + 1) / 3, per_image = 64;
    mpq::Tensor shard(mpq::Shape{end - begin, 8, 8, 1});
    std::copy(images.data() + begin * per_image, images.data() + end * per_image, shard.data());
    by_hand.forward(shard, true);
    for (size_t i = 0; i < by_hand.size(); ++i)
      if (by_hand.node(i).layer->kind() == mpq::LayerKind::BatchNorm) {
        const mpq::Tensor& in = by_hand.output_of(static_cast<size_t>(by_hand.node(i).inputs[0]));
        inputs[i].emplace_back(in.data(), in.data() + in.size());
      }
  }
  int checked = 0;
  for (size_t i = 0; i < sharded.size(); ++i) {
    auto* bn = dynamic_cast<mpq::BatchNorm*>(sharded.node(i).layer.get());
    if (!bn) continue;
    const int64_t C = bn->channels();
    const double m = bn->momentum();
    for (int64_t c = 0; c < C; ++c) {
      // Two passes over the union in long double: the pooled mean, the unbiased variance.
      long double sum = 0, squares = 0, n = 0, within = 0;
      for (const auto& shard : inputs[i])
        for (size_t j = static_cast<size_t>(c); j < shard.size(); j += static_cast<size_t>(C)) sum += shard[j], n += 1;
      const long double mean = sum / n;
      for (const auto& shard : inputs[i]) {
        long double shard_sum = 0, shard_n = 0;
        for (size_t j = static_cast<size_t>(c); j < shard.size(); j += static_cast<size_t>(C))
          squares += (shard[j] - mean) * (shard[j] - mean), shard_sum += shard[j], shard_n += 1;
        for (size_t j = static_cast<size_t>(c); j < shard.size(); j += static_cast<size_t>(C))
          within += (shard[j] - shard_sum / shard_n) * (shard[j] - shard_sum / shard_n);
      }
      const double expected_mean = m * static_cast<double>(mean);
      const double expected_var = (1 - m) + m * static_cast<double>(squares / (n - 1));
      BOOST_TEST(std::fabs(bn->running_mean[c] - expected_mean) <= 1e-6 + 1e-5 * std::fabs(expected_mean));
      BOOST_TEST(std::fabs(bn->running_var[c] - expected_var) <= 1e-6 + 1e-5 * expected_var);
      // Without the between-shard term the variance would be lower: the check above can fail.
      const double without_between = (1 - m) + m * static_cast<double>(within / (n - 1));
      checked += std::fabs(without_between - expected_var) > 1e-3 * expected_var;
    }
  }
  BOOST_TEST(checked > 0);
}

BOOST_AUTO_TEST_CASE(range_quantizer_moves_to_the_whole_batch_s_min_and_max) {
  mpq::Rng rng(7);
  mpq::Tensor images;
  std::vector<int32_t> labels;
  mpq::test::synthetic_batch(rng, 6, 8, 3, images, labels);
  mpq::Model m = without_batch_norm();
  const float momentum = 0.25f;
  m.node(1).layer = std::make_unique<mpq::RangeQuantizer>(8, -1.f, 1.f, false, momentum);  // in place of the ReLU
  auto& q = dynamic_cast<mpq::RangeQuantizer&>(*m.node(1).layer);
  // The quantizer's input is the convolution's, which depends on the image alone.
  mpq::Model conv = without_batch_norm();
  conv.forward(images, false);
  const mpq::Tensor& in = conv.output_of(0);
  const auto [lo, hi] = std::minmax_element(in.data(), in.data() + in.size());
  const auto [lo0, hi0] = std::minmax_element(in.data(), in.data() + in.size() / 2);
  BOOST_REQUIRE((*lo < *lo0 || *hi > *hi0));  // shard 0 alone would move the range elsewhere
  mpq::ShardedStep step(m, 2, false);
  step.run(images, labels, [&](auto& xs, auto& y, float s) { return pass(m, xs, y, s); });
  const float expected_lo = (1 - momentum) * -1.f + momentum * std::min(*lo, 0.f);
  const float expected_hi = (1 - momentum) * 1.f + momentum * std::max(*hi, 0.f);
  const mpq::Tensor& range = *q.buffers()[0].second;
  BOOST_TEST(std::fabs(range[0] - expected_lo) <= 1e-6f);
  BOOST_TEST(std::fabs(range[1] - expected_hi) <= 1e-6f);
}

BOOST_AUTO_TEST_CASE(more_shards_than_images_are_refused) {
  mpq::Model m = without_batch_norm();
  mpq::Tensor images(mpq::Shape{2, 8, 8, 1});
  std::vector<int32_t> labels{0, 1};
  mpq::ShardedStep step(m, 3, false);
  BOOST_CHECK_THROW(step.run(images, labels, [&](auto& x, auto& y, float s) { return pass(m, x, y, s); }), mpq::Error);
}

BOOST_AUTO_TEST_SUITE_END()
