#include <boost/test/unit_test.hpp>

#include <cmath>

#include "libmpq/core/error.hpp"
#include "libmpq/rl/mlp.hpp"
#include "nn/gradient_check.hpp"

namespace mpq {
namespace {

// Presents an Mlp as a Layer so that the shared finite-difference checker applies to it.
class MlpAsLayer : public Layer {
 public:
  explicit MlpAsLayer(Mlp& mlp) : mlp_(mlp) {}
  LayerKind kind() const override { return LayerKind::Linear; }
  std::string describe() const override { return "mlp"; }
  Shape output_shape(const std::vector<Shape>& in) const override { return {in[0][0], mlp_.out_features()}; }
  void forward(const std::vector<const Tensor*>& in, Tensor& out, bool) override { out = mlp_.forward(*in[0]); }
  void backward(const std::vector<const Tensor*>& in, const Tensor&, const Tensor& grad_out,
                const std::vector<Tensor*>& grad_in) override {
    mlp_.forward(*in[0]);  // the checker may have run other forwards in between
    mlp_.backward(grad_out, grad_in.empty() ? nullptr : grad_in[0]);
  }
  std::vector<Parameter*> parameters() override { return mlp_.parameters(); }

 private:
  Mlp& mlp_;
};

Mlp make_mlp(OutputActivation act, uint64_t seed) {
  Mlp mlp(5, {7, 6}, 3, act);
  Rng rng(seed);
  // A last-layer range as large as the hidden ones, so its gradients are not tiny.
  mlp.reset_parameters(rng, 0.4f);
  return mlp;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mlp)

BOOST_AUTO_TEST_CASE(backward_matches_finite_differences_without_output_activation) {
  Mlp mlp = make_mlp(OutputActivation::None, 3);
  MlpAsLayer layer(mlp);
  Rng rng(4);
  test::GradientError err = test::check_gradients(layer, {test::random_tensor({4, 5}, rng)}, true, 5, 1e-3);
  BOOST_TEST(err.worst < 2e-3, err.where);
}

BOOST_AUTO_TEST_CASE(backward_matches_finite_differences_through_sigmoid_output) {
  Mlp mlp = make_mlp(OutputActivation::Sigmoid, 6);
  MlpAsLayer layer(mlp);
  Rng rng(7);
  test::GradientError err = test::check_gradients(layer, {test::random_tensor({4, 5}, rng)}, true, 8, 1e-3);
  BOOST_TEST(err.worst < 2e-3, err.where);
}

BOOST_AUTO_TEST_CASE(input_gradient_equals_backward_and_leaves_parameter_grads_alone) {
  for (OutputActivation act : {OutputActivation::None, OutputActivation::Sigmoid}) {
    Mlp mlp = make_mlp(act, 9);
    Rng rng(10);
    Tensor x = test::random_tensor({6, 5}, rng);
    Tensor gy = test::random_tensor({6, 3}, rng);
    mlp.zero_grad();
    mlp.forward(x);
    Tensor gx_full;
    mlp.backward(gy, &gx_full);
    std::vector<Tensor> grads;
    for (Parameter* p : mlp.parameters()) grads.push_back(p->grad);
    Tensor gx_only;
    mlp.input_gradient(gy, gx_only);
    BOOST_REQUIRE(gx_only.shape() == gx_full.shape());
    for (int64_t i = 0; i < gx_full.size(); ++i) BOOST_TEST(gx_only[i] == gx_full[i], boost::test_tools::tolerance(1e-5f));
    const auto params = mlp.parameters();
    for (size_t k = 0; k < params.size(); ++k)
      for (int64_t i = 0; i < grads[k].size(); ++i) BOOST_TEST(params[k]->grad[i] == grads[k][i]);
  }
}

BOOST_AUTO_TEST_CASE(backward_accumulates_parameter_gradients) {
  Mlp mlp = make_mlp(OutputActivation::None, 11);
  Rng rng(12);
  Tensor x = test::random_tensor({3, 5}, rng), gy = test::random_tensor({3, 3}, rng);
  mlp.zero_grad();
  mlp.forward(x);
  mlp.backward(gy, nullptr);
  Tensor once = mlp.parameters()[0]->grad;
  mlp.backward(gy, nullptr);
  const Tensor& twice = mlp.parameters()[0]->grad;
  for (int64_t i = 0; i < once.size(); ++i) BOOST_TEST(twice[i] == 2.f * once[i], boost::test_tools::tolerance(1e-5f));
}

BOOST_AUTO_TEST_CASE(init_uses_fan_in_ranges_and_a_small_last_layer) {
  Mlp mlp(16, {300, 300}, 1, OutputActivation::Sigmoid);
  Rng rng(1);
  mlp.reset_parameters(rng);
  const auto params = mlp.parameters();  // w0 b0 w1 b1 w2 b2
  BOOST_REQUIRE_EQUAL(params.size(), 6u);
  const float ranges[] = {0.25f, 0.25f, 1.f / std::sqrt(300.f), 1.f / std::sqrt(300.f), 3e-3f, 3e-3f};
  for (size_t k = 0; k < params.size(); ++k) {
    float max_abs = 0;
    for (int64_t i = 0; i < params[k]->value.size(); ++i) max_abs = std::max(max_abs, std::abs(params[k]->value[i]));
    BOOST_TEST(max_abs <= ranges[k]);
    if (params[k]->value.size() >= 300) BOOST_TEST(max_abs > 0.9f * ranges[k]);  // the whole range is used
  }
  // The actor starts near the sigmoid's midpoint whatever its input.
  Tensor x({2, 16}, 1.f);
  const Tensor& y = mlp.forward(x);
  BOOST_TEST(std::abs(y[0] - 0.5f) < 0.05f);
}

BOOST_AUTO_TEST_CASE(soft_update_blends_tau_of_the_source_into_the_target) {
  Mlp source = make_mlp(OutputActivation::None, 13);
  Mlp target = make_mlp(OutputActivation::None, 14);
  std::vector<Tensor> before;
  for (Parameter* p : target.parameters()) before.push_back(p->value);
  target.soft_update_from(source, 0.01f);
  const auto src = source.parameters(), dst = target.parameters();
  for (size_t k = 0; k < src.size(); ++k)
    for (int64_t i = 0; i < before[k].size(); ++i)
      BOOST_TEST(dst[k]->value[i] == 0.01f * src[k]->value[i] + 0.99f * before[k][i]);
  // tau = 1 is a copy, and so is copy_from.
  target.soft_update_from(source, 1.f);
  for (size_t k = 0; k < src.size(); ++k)
    for (int64_t i = 0; i < before[k].size(); ++i) BOOST_TEST(dst[k]->value[i] == src[k]->value[i]);
  Mlp other = make_mlp(OutputActivation::None, 15);
  other.copy_from(source);
  const auto copied = other.parameters();
  for (size_t k = 0; k < src.size(); ++k)
    for (int64_t i = 0; i < before[k].size(); ++i) BOOST_TEST(copied[k]->value[i] == src[k]->value[i]);
}

BOOST_AUTO_TEST_CASE(mismatched_sizes_are_rejected) {
  Mlp a(5, {7}, 3), b(5, {8}, 3);
  BOOST_CHECK_THROW(a.copy_from(b), Error);
  BOOST_CHECK_THROW(a.soft_update_from(b, 0.5f), Error);
  BOOST_CHECK_THROW(Mlp(5, {0}, 3), Error);
  Tensor wrong({2, 4});
  BOOST_CHECK_THROW(a.forward(wrong), Error);
  ByteWriter out;
  b.save(out);
  ByteReader in(out.bytes(), "test");
  BOOST_CHECK_THROW(a.load(in), Error);
}

BOOST_AUTO_TEST_CASE(save_load_round_trip_and_truncation_leaves_the_mlp_unchanged) {
  Mlp a = make_mlp(OutputActivation::Sigmoid, 16);
  Mlp b = make_mlp(OutputActivation::Sigmoid, 17);
  ByteWriter out;
  a.save(out);
  std::string truncated = out.bytes().substr(0, out.bytes().size() - 3);
  ByteReader bad(truncated, "test");
  const float b0 = b.parameters()[0]->value[0];
  BOOST_CHECK_THROW(b.load(bad), Error);
  BOOST_TEST(b.parameters()[0]->value[0] == b0);
  ByteReader good(out.bytes(), "test");
  b.load(good);
  BOOST_TEST(good.remaining() == 0u);
  const auto pa = a.parameters(), pb = b.parameters();
  for (size_t k = 0; k < pa.size(); ++k)
    for (int64_t i = 0; i < pa[k]->value.size(); ++i) BOOST_TEST(pb[k]->value[i] == pa[k]->value[i]);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace mpq
