#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "libmpq/core/error.hpp"
#include "libmpq/nn/global_avg_pool.hpp"
#include "libmpq/nn/pool2d.hpp"
#include "nn/gradient_check.hpp"

using namespace mpq;

namespace {

Tensor make_tensor(const Shape& shape, const std::vector<float>& values) {
  Tensor t(shape);
  BOOST_REQUIRE_EQUAL(t.size(), static_cast<int64_t>(values.size()));
  for (int64_t i = 0; i < t.size(); ++i) t[i] = values[static_cast<size_t>(i)];
  return t;
}

// Distinct values 0.1 apart in shuffled order: no ties within 2h of each other, so max
// pooling's choice does not flip during finite differences.
Tensor without_ties(const Shape& shape, Rng& rng) {
  Tensor t(shape);
  for (int64_t i = 0; i < t.size(); ++i) t[i] = 0.1f * static_cast<float>(i) - 3.f;
  for (int64_t i = t.size() - 1; i > 0; --i) std::swap(t[i], t[static_cast<int64_t>(rng.below(static_cast<uint64_t>(i + 1)))]);
  return t;
}

Tensor run_forward(Layer& layer, const Tensor& x) {
  Tensor y;
  layer.forward({&x}, y, true);
  return y;
}

struct PoolConfig {
  int64_t kernel, stride, padding;
  Shape input;
};

const std::vector<PoolConfig> kConfigs = {
    {2, 2, 0, {2, 4, 6, 3}},  // non-overlapping
    {3, 2, 1, {2, 7, 5, 3}},  // stride 2, padding, odd sizes
    {3, 1, 1, {1, 5, 5, 2}},  // overlapping windows
    {2, 3, 1, {1, 6, 7, 2}},  // stride larger than kernel: some inputs get no gradient
};

}  // namespace

BOOST_AUTO_TEST_SUITE(pool)

BOOST_AUTO_TEST_CASE(average_forward_matches_hand_computation) {
  Pool2d pool(Pool2d::Mode::Average, 2, 1);
  const Tensor y = run_forward(pool, make_tensor({1, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9}));
  BOOST_TEST((y.shape() == Shape{1, 2, 2, 1}));
  const float expect[] = {3.f, 4.f, 6.f, 7.f};
  for (int64_t i = 0; i < 4; ++i) BOOST_CHECK_CLOSE(y[i], expect[i], 1e-5);
}

BOOST_AUTO_TEST_CASE(average_counts_padding_in_the_divisor) {
  Pool2d pool(Pool2d::Mode::Average, 3, 1, 1);
  const Tensor y = run_forward(pool, make_tensor({1, 2, 2, 1}, {1, 2, 3, 4}));
  BOOST_TEST((y.shape() == Shape{1, 2, 2, 1}));
  for (int64_t i = 0; i < 4; ++i) BOOST_CHECK_CLOSE(y[i], 10.f / 9.f, 1e-5);
}

BOOST_AUTO_TEST_CASE(average_without_count_include_pad_divides_by_the_positions_inside) {
  Pool2d pool(Pool2d::Mode::Average, 3, 1, 1, /*count_include_pad=*/false);
  const Tensor y = run_forward(pool, make_tensor({1, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9}));
  BOOST_TEST((y.shape() == Shape{1, 3, 3, 1}));
  // Corners average 4 positions, edges 6, the centre 9.
  const float expect[] = {3.f, 3.5f, 4.f, 4.5f, 5.f, 5.5f, 6.f, 6.5f, 7.f};
  for (int64_t i = 0; i < 9; ++i) BOOST_CHECK_CLOSE(y[i], expect[i], 1e-5);
  BOOST_TEST(pool.describe() == "3x3/1 p1 excl");
  // Without padding both divisors are the window's.
  Pool2d unpadded(Pool2d::Mode::Average, 2, 1, 0, false), counted(Pool2d::Mode::Average, 2, 1, 0, true);
  const Tensor x = make_tensor({1, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  const Tensor a = run_forward(unpadded, x), b = run_forward(counted, x);
  for (int64_t i = 0; i < a.size(); ++i) BOOST_TEST(a[i] == b[i]);
}

BOOST_AUTO_TEST_CASE(max_ignores_padding_for_negative_inputs) {
  Pool2d pool(Pool2d::Mode::Max, 2, 2, 1);
  const Tensor y = run_forward(pool, make_tensor({1, 2, 2, 1}, {-1, -2, -3, -4}));
  BOOST_TEST((y.shape() == Shape{1, 2, 2, 1}));
  const float expect[] = {-1.f, -2.f, -3.f, -4.f};
  for (int64_t i = 0; i < 4; ++i) BOOST_TEST(y[i] == expect[i]);
}

BOOST_AUTO_TEST_CASE(max_forward_is_per_channel) {
  Pool2d pool(Pool2d::Mode::Max, 2, 2);
  // 2x2 pixels, 2 channels: channel 0 = {1, 5, 2, 0}, channel 1 = {-1, -5, 7, 3}
  const Tensor y = run_forward(pool, make_tensor({1, 2, 2, 2}, {1, -1, 5, -5, 2, 7, 0, 3}));
  BOOST_TEST((y.shape() == Shape{1, 1, 1, 2}));
  BOOST_TEST(y[0] == 5.f);
  BOOST_TEST(y[1] == 7.f);
}

BOOST_AUTO_TEST_CASE(max_gradient_goes_to_the_first_maximum) {
  Pool2d pool(Pool2d::Mode::Max, 2, 2);
  const Tensor x = make_tensor({1, 2, 2, 1}, {1, 5, 5, 5});
  Tensor y = run_forward(pool, x), dx;
  const Tensor dy = make_tensor({1, 1, 1, 1}, {2.f});
  pool.backward({&x}, y, dy, {&dx});
  const float expect[] = {0.f, 2.f, 0.f, 0.f};
  for (int64_t i = 0; i < 4; ++i) BOOST_TEST(dx[i] == expect[i]);
}

BOOST_AUTO_TEST_CASE(output_shape_floors_partial_windows) {
  BOOST_TEST((Pool2d(Pool2d::Mode::Average, 3, 2, 1).output_shape({{2, 7, 5, 3}}) == Shape{2, 4, 3, 3}));
  BOOST_TEST((Pool2d(Pool2d::Mode::Max, 2, 2).output_shape({{1, 5, 5, 8}}) == Shape{1, 2, 2, 8}));
}

BOOST_AUTO_TEST_CASE(average_gradient_matches_finite_differences) {
  Rng rng(7);
  for (const auto& cfg : kConfigs) {
    Pool2d pool(Pool2d::Mode::Average, cfg.kernel, cfg.stride, cfg.padding);
    const auto err = test::check_gradients(pool, {test::random_tensor(cfg.input, rng)}, true);
    BOOST_TEST(err.worst < 1e-3, pool.describe() << " " << err.where);
  }
}

BOOST_AUTO_TEST_CASE(average_gradient_without_count_include_pad_matches_finite_differences) {
  Rng rng(17);
  for (const auto& cfg : kConfigs) {
    Pool2d pool(Pool2d::Mode::Average, cfg.kernel, cfg.stride, cfg.padding, /*count_include_pad=*/false);
    const auto err = test::check_gradients(pool, {test::random_tensor(cfg.input, rng)}, true);
    BOOST_TEST(err.worst < 1e-3, pool.describe() << " " << err.where);
  }
}

BOOST_AUTO_TEST_CASE(max_gradient_matches_finite_differences) {
  Rng rng(8);
  for (const auto& cfg : kConfigs) {
    Pool2d pool(Pool2d::Mode::Max, cfg.kernel, cfg.stride, cfg.padding);
    const auto err = test::check_gradients(pool, {without_ties(cfg.input, rng)}, true);
    BOOST_TEST(err.worst < 1e-3, pool.describe() << " " << err.where);
  }
}

// Windows of ONNX imports: kernel and stride per axis, padding per side (up to the
// kernel - 1, beyond PyTorch's half).
BOOST_AUTO_TEST_CASE(non_square_windows_gradients_match_finite_differences) {
  const std::vector<Window2d> windows = {{3, 2, 2, 1, 1, 0, 2, 1}, {2, 3, 1, 2, 0, 1, 1, 0}, {3, 3, 1, 1, 2, 2, 2, 2}};
  Rng rng(21);
  for (const Window2d& w : windows)
    for (auto [mode, full] : {std::pair{Pool2d::Mode::Average, true}, std::pair{Pool2d::Mode::Average, false},
                              std::pair{Pool2d::Mode::Max, true}}) {
      Pool2d pool(mode, w, full);
      const Tensor x = mode == Pool2d::Mode::Max ? without_ties({2, 5, 6, 2}, rng) : test::random_tensor({2, 5, 6, 2}, rng);
      const auto err = test::check_gradients(pool, {x}, true);
      BOOST_TEST(err.worst < 1e-3, pool.describe() << " " << err.where);
    }
  // The divisor without count_include_pad counts only the positions inside: a 2x3 window
  // padded by 1 below and 1 right over a 1x1 map of 6 averages 6.
  Pool2d corner(Pool2d::Mode::Average, Window2d{2, 3, 1, 1, 0, 0, 1, 2}, false);
  const Tensor y = run_forward(corner, make_tensor({1, 1, 1, 1}, {6}));
  BOOST_TEST((y.shape() == Shape{1, 1, 1, 1}));
  BOOST_TEST(y[0] == 6.f);
  BOOST_CHECK_THROW(Pool2d(Pool2d::Mode::Max, Window2d{2, 3, 1, 1, 2, 0, 0, 0}, true), Error);  // top >= kh
}

BOOST_AUTO_TEST_CASE(global_average_forward_and_gradient) {
  GlobalAvgPool gap;
  const Tensor x = make_tensor({2, 1, 2, 2}, {1, 10, 3, 20, -4, 0, 4, 2});
  const Tensor y = run_forward(gap, x);
  BOOST_TEST((y.shape() == Shape{2, 2}));
  const float expect[] = {2.f, 15.f, 0.f, 1.f};
  for (int64_t i = 0; i < 4; ++i) BOOST_CHECK_CLOSE(y[i] + 1.f, expect[i] + 1.f, 1e-5);
  Rng rng(9);
  const auto err = test::check_gradients(gap, {test::random_tensor({3, 3, 5, 4}, rng)}, true);
  BOOST_TEST(err.worst < 1e-3, err.where);
}

BOOST_AUTO_TEST_CASE(bad_configurations_and_shapes_throw) {
  BOOST_CHECK_THROW(Pool2d(Pool2d::Mode::Max, 0, 1), Error);
  BOOST_CHECK_THROW(Pool2d(Pool2d::Mode::Max, 2, 0), Error);
  BOOST_CHECK_THROW(Pool2d(Pool2d::Mode::Average, 3, 1, 2), Error);  // padding > kernel / 2
  Pool2d pool(Pool2d::Mode::Average, 3, 1);
  try {
    pool.output_shape({{1, 2, 8, 4}});  // window taller than the input
    BOOST_FAIL("expected mpq::Error");
  } catch (const Error& e) {
    const std::string msg = e.what();
    BOOST_TEST(msg.find("avgpool") != std::string::npos, msg);
    BOOST_TEST(msg.find("1x2x8x4") != std::string::npos, msg);
  }
  BOOST_CHECK_THROW(pool.output_shape({{8, 4}}), Error);
  GlobalAvgPool gap;
  BOOST_CHECK_THROW(gap.output_shape({{8, 4}}), Error);
  BOOST_CHECK_THROW(gap.output_shape({{1, 2, 2, 4}, {1, 2, 2, 4}}), Error);
}

BOOST_AUTO_TEST_SUITE_END()
