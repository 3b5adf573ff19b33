#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "libmpq/core/error.hpp"
#include "libmpq/nn/optimizer.hpp"

using namespace mpq;

namespace {

// A one-element parameter with value w and gradient g.
Parameter scalar(float w, float g, bool decay = true) {
  Parameter p("w", {1}, decay);
  p.value[0] = w;
  p.grad[0] = g;
  return p;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(optimizer)

BOOST_AUTO_TEST_CASE(sgd_without_momentum_steps_against_the_gradient) {
  Parameter p = scalar(1.f, 0.5f);
  Sgd sgd({&p}, 0.f);
  sgd.step(0.1f);
  BOOST_CHECK_CLOSE(p.value[0], 0.95f, 1e-4);
  BOOST_TEST(sgd.steps() == 1);
}

BOOST_AUTO_TEST_CASE(a_parameters_lr_scale_scales_its_step_in_sgd_and_adam) {
  Parameter p = scalar(1.f, 0.5f), q = scalar(1.f, 0.5f);
  q.lr_scale = 0.25f;
  Sgd sgd({&p, &q}, 0.f);
  sgd.step(0.1f);  // p: 1 - 0.05; q: 1 - 0.0125
  BOOST_CHECK_CLOSE(p.value[0], 0.95f, 1e-4);
  BOOST_CHECK_CLOSE(q.value[0], 0.9875f, 1e-4);
  Parameter a = scalar(1.f, 0.5f), b = scalar(1.f, 0.5f);
  b.lr_scale = 0.25f;
  Adam adam({&a, &b});
  adam.step(0.1f);  // the first bias-corrected Adam step is lr * sign(g)
  BOOST_CHECK_CLOSE(a.value[0], 0.9f, 1e-3);
  BOOST_CHECK_CLOSE(b.value[0], 0.975f, 1e-3);
}

BOOST_AUTO_TEST_CASE(sgd_momentum_two_steps_match_hand_computation) {
  Parameter p = scalar(1.f, 0.5f);
  Sgd sgd({&p}, 0.9f);
  sgd.step(0.1f);  // v = 0.5, w = 1 - 0.05
  BOOST_CHECK_CLOSE(p.value[0], 0.95f, 1e-4);
  sgd.step(0.1f);  // v = 0.9 * 0.5 + 0.5 = 0.95, w = 0.95 - 0.095
  BOOST_CHECK_CLOSE(p.value[0], 0.855f, 1e-4);
  BOOST_CHECK_CLOSE(sgd.state()[0].second->data()[0], 0.95f, 1e-4);
  BOOST_TEST(sgd.steps() == 2);
}

BOOST_AUTO_TEST_CASE(sgd_nesterov_two_steps_match_hand_computation) {
  Parameter p = scalar(1.f, 0.5f);
  Sgd sgd({&p}, 0.9f, 0.f, true);
  sgd.step(0.1f);  // v = 0.5, w -= 0.1 * (0.5 + 0.9 * 0.5)
  BOOST_CHECK_CLOSE(p.value[0], 0.905f, 1e-4);
  sgd.step(0.1f);  // v = 0.95, w -= 0.1 * (0.5 + 0.9 * 0.95)
  BOOST_CHECK_CLOSE(p.value[0], 0.7695f, 1e-4);
}

BOOST_AUTO_TEST_CASE(sgd_weight_decay_applies_only_to_decayed_params) {
  Parameter weight = scalar(1.f, 0.5f, true);
  Parameter bias = scalar(1.f, 0.5f, false);
  Sgd sgd({&weight, &bias}, 0.9f, 0.01f);
  sgd.step(0.1f);  // weight: g = 0.51, v = 0.51
  BOOST_CHECK_CLOSE(weight.value[0], 0.949f, 1e-4);
  BOOST_CHECK_CLOSE(bias.value[0], 0.95f, 1e-4);
  sgd.step(0.1f);  // weight: g = 0.5 + 0.00949, v = 0.9 * 0.51 + g = 0.96849
  BOOST_CHECK_CLOSE(weight.value[0], 0.852151f, 1e-4);
  BOOST_CHECK_CLOSE(bias.value[0], 0.855f, 1e-4);
}

BOOST_AUTO_TEST_CASE(adam_two_steps_match_bias_corrected_hand_computation) {
  Parameter p = scalar(1.f, 0.5f);
  Adam adam({&p});
  adam.step(0.1f);  // m_hat = 0.5, v_hat = 0.25: a step of almost exactly lr
  BOOST_CHECK_CLOSE(p.value[0], 0.900000002f, 1e-5);
  p.grad[0] = -1.f;
  adam.step(0.1f);  // m = -0.055, v = 0.00124975, corrections 0.19 and 0.001999
  BOOST_CHECK_CLOSE(p.value[0], 0.9366103542f, 1e-4);
  const auto state = adam.state();
  BOOST_CHECK_CLOSE(state[0].second->data()[0], -0.055f, 1e-3);
  BOOST_CHECK_CLOSE(state[1].second->data()[0], 0.00124975f, 1e-2);  // float betas: 1 - 0.999f is not 0.001
  BOOST_TEST(adam.steps() == 2);
}

BOOST_AUTO_TEST_CASE(adam_weight_decay_applies_only_to_decayed_params) {
  Parameter weight = scalar(1.f, 0.5f, true);
  Parameter bias = scalar(1.f, 0.5f, false);
  Adam adam({&weight, &bias}, 0.9f, 0.999f, 1e-8f, 0.1f);
  adam.step(0.1f);
  const auto state = adam.state();
  BOOST_CHECK_CLOSE(state[0].second->data()[0], 0.06f, 1e-3);  // (1 - 0.9) * (0.5 + 0.1 * 1)
  BOOST_CHECK_CLOSE(state[2].second->data()[0], 0.05f, 1e-3);  // (1 - 0.9) * 0.5
  adam.step(0.1f);
  BOOST_CHECK_CLOSE(weight.value[0], 0.8000473405f, 1e-4);
  BOOST_CHECK_CLOSE(bias.value[0], 0.8f, 1e-4);
}

BOOST_AUTO_TEST_CASE(state_is_named_in_a_fixed_order) {
  Parameter a = scalar(1.f, 0.f), b("b", {2, 3});
  Sgd sgd({&a, &b});
  const auto s = sgd.state();
  BOOST_REQUIRE_EQUAL(s.size(), 2u);
  BOOST_TEST(s[0].first == "velocity.0");
  BOOST_TEST(s[1].first == "velocity.1");
  BOOST_TEST((s[1].second->shape() == Shape{2, 3}));
  Adam adam({&a, &b});
  const auto t = adam.state();
  BOOST_REQUIRE_EQUAL(t.size(), 4u);
  const char* names[] = {"adam_m.0", "adam_v.0", "adam_m.1", "adam_v.1"};
  for (size_t i = 0; i < 4; ++i) BOOST_TEST(t[i].first == names[i]);
}

BOOST_AUTO_TEST_CASE(restored_state_and_steps_continue_like_an_uninterrupted_run) {
  auto run = [](auto make_optimizer) {
    // Uninterrupted: two steps. Resumed: one step, state copied to a fresh optimizer, one step.
    Parameter p = scalar(1.f, 0.5f), q = scalar(1.f, 0.5f);
    auto full = make_optimizer(&p);
    auto first = make_optimizer(&q);
    full.step(0.1f);
    first.step(0.1f);
    p.grad[0] = q.grad[0] = -0.25f;
    full.step(0.1f);
    auto resumed = make_optimizer(&q);
    auto from = first.state(), to = resumed.state();
    for (size_t i = 0; i < from.size(); ++i) *to[i].second = *from[i].second;
    resumed.set_steps(first.steps());
    resumed.step(0.1f);
    BOOST_TEST(q.value[0] == p.value[0]);
    BOOST_TEST(resumed.steps() == 2);
  };
  run([](Parameter* p) { return Sgd({p}, 0.9f, 1e-2f, true); });
  run([](Parameter* p) { return Adam({p}, 0.9f, 0.999f, 1e-8f, 1e-2f); });
}

BOOST_AUTO_TEST_CASE(zero_grad_clears_every_gradient) {
  Parameter a = scalar(1.f, 0.5f), b("b", {4});
  b.grad.fill(3.f);
  Sgd sgd({&a, &b});
  sgd.zero_grad();
  BOOST_TEST(a.grad[0] == 0.f);
  for (int64_t i = 0; i < 4; ++i) BOOST_TEST(b.grad[i] == 0.f);
}

BOOST_AUTO_TEST_CASE(cosine_lr_warms_up_linearly_then_decays_to_min) {
  const float base = 0.1f, min = 0.001f;
  BOOST_CHECK_SMALL(cosine_lr(base, 0, 100, 10, min), 1e-9f);          // start of warm-up
  BOOST_CHECK_CLOSE(cosine_lr(base, 5, 100, 10, min), 0.05f, 1e-4);    // halfway through warm-up
  BOOST_CHECK_CLOSE(cosine_lr(base, 10, 100, 10, min), 0.1f, 1e-4);    // end of warm-up
  BOOST_CHECK_CLOSE(cosine_lr(base, 55, 100, 10, min), 0.0505f, 1e-4);  // middle of the decay
  BOOST_CHECK_CLOSE(cosine_lr(base, 30, 100, 10, min), 0.0884192f, 1e-4);
  BOOST_CHECK_CLOSE(cosine_lr(base, 100, 100, 10, min), min, 1e-4);    // end
  BOOST_CHECK_CLOSE(cosine_lr(base, 150, 100, 10, min), min, 1e-4);    // past the end
  BOOST_CHECK_CLOSE(cosine_lr(base, 0, 100, 0), base, 1e-4);           // no warm-up
  BOOST_CHECK_CLOSE(cosine_lr(base, 50, 100, 0), base / 2, 1e-4);
}

BOOST_AUTO_TEST_CASE(bad_arguments_throw) {
  Parameter p = scalar(1.f, 0.5f);
  BOOST_CHECK_THROW(Sgd({&p}, 0.f, 0.f, true), Error);  // nesterov without momentum
  BOOST_CHECK_THROW(Sgd({&p}, -0.1f), Error);
  BOOST_CHECK_THROW(Adam({&p}, 1.f), Error);
  BOOST_CHECK_THROW(cosine_lr(0.1f, -1, 100, 10), Error);
  Sgd sgd({&p});
  p.grad = Tensor({2});
  BOOST_CHECK_THROW(sgd.step(0.1f), Error);
}

BOOST_AUTO_TEST_SUITE_END()
