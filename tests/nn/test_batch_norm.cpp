#include <boost/test/unit_test.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "libmpq/core/error.hpp"
#include "libmpq/nn/batch_norm.hpp"
#include "libmpq/tensor/parallel.hpp"
#include "nn/gradient_check.hpp"

using namespace mpq;

namespace {

Tensor make_tensor(const Shape& shape, const std::vector<float>& values) {
  Tensor t(shape);
  BOOST_REQUIRE_EQUAL(t.size(), static_cast<int64_t>(values.size()));
  for (int64_t i = 0; i < t.size(); ++i) t[i] = values[static_cast<size_t>(i)];
  return t;
}

// Random gamma, beta and running statistics so that no term of the gradient vanishes.
void randomize(BatchNorm& bn, Rng& rng) {
  for (int64_t c = 0; c < bn.channels(); ++c) {
    bn.gamma.value[c] = 0.5f + rng.uniform();
    bn.beta.value[c] = rng.normal();
    bn.running_mean[c] = 0.3f * rng.normal();
    bn.running_var[c] = 0.5f + rng.uniform();
  }
}

Tensor run_forward(BatchNorm& bn, const Tensor& x, bool training) {
  Tensor y;
  bn.forward({&x}, y, training);
  return y;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(batch_norm)

BOOST_AUTO_TEST_CASE(training_gradient_matches_finite_differences_rank4) {
  Rng rng(11);
  BatchNorm bn(4);
  randomize(bn, rng);
  Tensor x = test::random_tensor({2, 3, 3, 4}, rng, 2.f);
  const auto err = test::check_gradients(bn, {x}, true, 3, 1e-2);
  BOOST_TEST(err.worst < 2e-3, err.where);
}

BOOST_AUTO_TEST_CASE(training_gradient_matches_finite_differences_rank2) {
  Rng rng(12);
  BatchNorm bn(5);
  randomize(bn, rng);
  Tensor x = test::random_tensor({6, 5}, rng, 1.5f);
  const auto err = test::check_gradients(bn, {x}, true, 4, 1e-2);
  BOOST_TEST(err.worst < 2e-3, err.where);
}

BOOST_AUTO_TEST_CASE(eval_gradient_matches_finite_differences_rank4_and_rank2) {
  Rng rng(13);
  BatchNorm bn(3);
  randomize(bn, rng);
  auto err = test::check_gradients(bn, {test::random_tensor({2, 2, 3, 3}, rng)}, false, 5, 1e-2);
  BOOST_TEST(err.worst < 2e-3, err.where);
  err = test::check_gradients(bn, {test::random_tensor({4, 3}, rng)}, false, 6, 1e-2);
  BOOST_TEST(err.worst < 2e-3, err.where);
}

BOOST_AUTO_TEST_CASE(training_forward_normalizes_with_batch_mean_and_biased_variance) {
  BatchNorm bn(2);
  bn.gamma.value[0] = 2.f;
  bn.beta.value[0] = 1.f;
  // channel 0: {1, 3}, mean 2, biased var 1; channel 1: {10, 14}, mean 12, biased var 4
  const Tensor x = make_tensor({2, 2}, {1.f, 10.f, 3.f, 14.f});
  const Tensor y = run_forward(bn, x, true);
  const double s0 = 1.0 / std::sqrt(1.0 + 1e-5), s1 = 2.0 / std::sqrt(4.0 + 1e-5);
  BOOST_CHECK_CLOSE(y[0], 1.0 - 2.0 * s0, 1e-4);
  BOOST_CHECK_CLOSE(y[2], 1.0 + 2.0 * s0, 1e-4);
  BOOST_CHECK_CLOSE(y[1], -s1, 1e-4);
  BOOST_CHECK_CLOSE(y[3], s1, 1e-4);
}

BOOST_AUTO_TEST_CASE(training_updates_running_stats_with_momentum_and_unbiased_variance) {
  BatchNorm bn(2, 0.1f);
  const Tensor x = make_tensor({2, 2}, {1.f, 10.f, 3.f, 14.f});
  run_forward(bn, x, true);
  // mean: 0.9 * 0 + 0.1 * {2, 12}; var: 0.9 * 1 + 0.1 * unbiased {2, 8}
  BOOST_CHECK_CLOSE(bn.running_mean[0], 0.2f, 1e-4);
  BOOST_CHECK_CLOSE(bn.running_mean[1], 1.2f, 1e-4);
  BOOST_CHECK_CLOSE(bn.running_var[0], 1.1f, 1e-4);
  BOOST_CHECK_CLOSE(bn.running_var[1], 1.7f, 1e-4);
  run_forward(bn, x, true);
  BOOST_CHECK_CLOSE(bn.running_mean[0], 0.38f, 1e-4);  // 0.9 * 0.2 + 0.1 * 2
  BOOST_CHECK_CLOSE(bn.running_var[1], 2.33f, 1e-4);   // 0.9 * 1.7 + 0.1 * 8
}

BOOST_AUTO_TEST_CASE(eval_uses_running_stats_and_leaves_them_unchanged) {
  BatchNorm bn(2);
  bn.running_mean[0] = 1.f;
  bn.running_var[0] = 4.f;
  bn.running_mean[1] = -2.f;
  bn.running_var[1] = 0.25f;
  bn.gamma.value[1] = 3.f;
  bn.beta.value[1] = 0.5f;
  const Tensor x = make_tensor({1, 1, 2, 2}, {5.f, 0.f, -1.f, -1.f});
  const Tensor y = run_forward(bn, x, false);
  BOOST_CHECK_CLOSE(y[0], 4.0 / std::sqrt(4.0 + 1e-5), 1e-4);
  BOOST_CHECK_CLOSE(y[1], 0.5 + 3.0 * 2.0 / std::sqrt(0.25 + 1e-5), 1e-4);
  BOOST_CHECK_CLOSE(y[2], -2.0 / std::sqrt(4.0 + 1e-5), 1e-4);
  BOOST_CHECK_CLOSE(y[3], 0.5 + 3.0 * 1.0 / std::sqrt(0.25 + 1e-5), 1e-4);
  BOOST_TEST(bn.running_mean[0] == 1.f);
  BOOST_TEST(bn.running_var[1] == 0.25f);
}

BOOST_AUTO_TEST_CASE(statistics_match_a_double_reference_over_many_chunks) {
  // 3 and 24 channels: tile widths that do not divide the tensor, several parallel chunks.
  for (int64_t C : {3, 24}) {
    Rng rng(static_cast<uint64_t>(C));
    BatchNorm bn(C, 1.f);  // momentum 1: running stats become the batch stats
    Tensor x = test::random_tensor({5, 17, 13, C}, rng, 3.f);
    for (int64_t i = 0; i < x.size(); ++i) x[i] += 1000.f;  // |mean| >> std
    const Tensor y = run_forward(bn, x, true);
    const int64_t rows = x.size() / C;
    for (int64_t c = 0; c < C; ++c) {
      double sum = 0, sq = 0;
      for (int64_t r = 0; r < rows; ++r) sum += x[r * C + c];
      const double mean = sum / rows;
      for (int64_t r = 0; r < rows; ++r) sq += (x[r * C + c] - mean) * (x[r * C + c] - mean);
      BOOST_CHECK_CLOSE(bn.running_mean[c], mean, 1e-4);
      BOOST_CHECK_CLOSE(bn.running_var[c], sq / (rows - 1), 1e-3);
      const int64_t probe = (rows / 2) * C + c;
      BOOST_CHECK_SMALL(y[probe] - (x[probe] - mean) / std::sqrt(sq / rows + 1e-5), 1e-3);
    }
  }
}

BOOST_AUTO_TEST_CASE(results_do_not_depend_on_thread_count) {
  Rng rng(21);
  const Tensor x = test::random_tensor({8, 16, 16, 8}, rng);
  const Tensor dy = test::random_tensor(x.shape(), rng);
  Tensor y[2], dx[2], dgamma[2];
  for (int run = 0; run < 2; ++run) {
    set_thread_count(run == 0 ? 1 : 2);
    BatchNorm bn(8);
    bn.forward({&x}, y[run], true);
    bn.backward({&x}, y[run], dy, {&dx[run]});
    dgamma[run] = bn.gamma.grad;
  }
  set_thread_count(0);
  for (int64_t i = 0; i < y[0].size(); ++i) BOOST_REQUIRE(y[0][i] == y[1][i]);
  for (int64_t i = 0; i < dx[0].size(); ++i) BOOST_REQUIRE(dx[0][i] == dx[1][i]);
  for (int64_t i = 0; i < 8; ++i) BOOST_REQUIRE(dgamma[0][i] == dgamma[1][i]);
}

BOOST_AUTO_TEST_CASE(backward_accumulates_parameter_grads_and_overwrites_input_grad) {
  Rng rng(31);
  BatchNorm bn(3);
  const Tensor x = test::random_tensor({4, 3}, rng);
  const Tensor dy = test::random_tensor({4, 3}, rng);
  Tensor y, dx(Shape{4, 3}, 100.f);
  bn.forward({&x}, y, true);
  bn.backward({&x}, y, dy, {&dx});
  const Tensor first_dx = dx, first_dgamma = bn.gamma.grad, first_dbeta = bn.beta.grad;
  bn.backward({&x}, y, dy, {&dx});
  for (int64_t i = 0; i < dx.size(); ++i) BOOST_TEST(dx[i] == first_dx[i]);
  for (int64_t c = 0; c < 3; ++c) {
    BOOST_CHECK_CLOSE(bn.gamma.grad[c], 2 * first_dgamma[c], 1e-4);
    BOOST_CHECK_CLOSE(bn.beta.grad[c], 2 * first_dbeta[c], 1e-4);
  }
  bn.backward({&x}, y, dy, {nullptr});  // parameter grads only
  BOOST_CHECK_CLOSE(bn.beta.grad[0], 3 * first_dbeta[0], 1e-4);
}

BOOST_AUTO_TEST_CASE(parameters_skip_weight_decay_and_buffers_are_named) {
  BatchNorm bn(4);
  for (Parameter* p : bn.parameters()) BOOST_TEST(!p->weight_decay);
  const auto buffers = bn.buffers();
  BOOST_REQUIRE_EQUAL(buffers.size(), 2u);
  BOOST_TEST(buffers[0].first == "running_mean");
  BOOST_TEST(buffers[1].first == "running_var");
  BOOST_TEST(bn.running_var[3] == 1.f);
}

BOOST_AUTO_TEST_CASE(bad_shapes_throw_errors_naming_layer_and_shape) {
  BatchNorm bn(8);
  Tensor y;
  const Tensor wrong_channels({2, 4, 4, 3});
  try {
    bn.forward({&wrong_channels}, y, true);
    BOOST_FAIL("expected mpq::Error");
  } catch (const Error& e) {
    const std::string msg = e.what();
    BOOST_TEST(msg.find("batchnorm") != std::string::npos, msg);
    BOOST_TEST(msg.find("2x4x4x3") != std::string::npos, msg);
  }
  const Tensor rank3({2, 4, 8});
  BOOST_CHECK_THROW(bn.forward({&rank3}, y, false), Error);
  const Tensor single_row({1, 8});
  BOOST_CHECK_THROW(bn.forward({&single_row}, y, true), Error);
  BOOST_CHECK_NO_THROW(bn.forward({&single_row}, y, false));
  BOOST_CHECK_THROW(BatchNorm(0), Error);
}

BOOST_AUTO_TEST_SUITE_END()
