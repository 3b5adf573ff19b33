#include "libmpq/rl/ddpg.hpp"

#include <utility>

#include "libmpq/core/error.hpp"
#include "libmpq/rl/truncated_normal.hpp"

namespace mpq {

namespace {

const DdpgOptions& validated(const DdpgOptions& o) {
  auto check = [](bool ok, const char* field, const std::string& expected, const std::string& got) {
    if (!ok) throw Error(std::string("ddpg options: ") + field + " must be " + expected + ", got " + got);
  };
  check(o.state_size > 0, "state_size", "> 0", std::to_string(o.state_size));
  check(o.action_size > 0, "action_size", "> 0", std::to_string(o.action_size));
  check(o.actor_lr > 0.f, "actor_lr", "> 0", std::to_string(o.actor_lr));
  check(o.critic_lr > 0.f, "critic_lr", "> 0", std::to_string(o.critic_lr));
  check(o.tau >= 0.f && o.tau <= 1.f, "tau", "in [0, 1]", std::to_string(o.tau));
  check(o.batch_size > 0, "batch_size", "> 0", std::to_string(o.batch_size));
  check(o.discount >= 0.f && o.discount <= 1.f, "discount", "in [0, 1]", std::to_string(o.discount));
  check(o.replay_capacity > 0, "replay_capacity", "> 0", std::to_string(o.replay_capacity));
  check(o.noise_sigma >= 0.f, "noise_sigma", ">= 0", std::to_string(o.noise_sigma));
  check(o.noise_decay > 0.f && o.noise_decay <= 1.f, "noise_decay", "in (0, 1]", std::to_string(o.noise_decay));
  check(o.last_layer_init > 0.f, "last_layer_init", "> 0", std::to_string(o.last_layer_init));
  check(o.baseline_alpha >= 0.f && o.baseline_alpha <= 1.f, "baseline_alpha", "in [0, 1]",
        std::to_string(o.baseline_alpha));
  // Adam and Mlp check their own arguments.
  return o;
}

}  // namespace

Ddpg::Ddpg(const DdpgOptions& options)
    : options_(validated(options)),
      rng_(options.seed),
      actor_(options.state_size, options.actor_hidden, options.action_size, OutputActivation::Sigmoid),
      actor_target_(actor_),
      critic_(options.state_size + options.action_size, options.critic_hidden, 1, OutputActivation::None),
      critic_target_(critic_),
      actor_optimizer_(actor_.parameters(), options.adam_beta1, options.adam_beta2, options.adam_eps),
      critic_optimizer_(critic_.parameters(), options.adam_beta1, options.adam_beta2, options.adam_eps),
      buffer_(options.replay_capacity, options.state_size, options.action_size),
      sigma_(options.noise_sigma) {
  actor_.reset_parameters(rng_, options_.last_layer_init);
  critic_.reset_parameters(rng_, options_.last_layer_init);
  actor_target_.copy_from(actor_);
  critic_target_.copy_from(critic_);
}

std::vector<float> Ddpg::select_action(const std::vector<float>& state, bool explore) {
  require(static_cast<int64_t>(state.size()) == options_.state_size,
          "ddpg: state has " + std::to_string(state.size()) + " values, expected " +
              std::to_string(options_.state_size));
  state_row_.resize({1, options_.state_size});
  std::copy(state.begin(), state.end(), state_row_.data());
  const Tensor& mu = actor_.forward(state_row_);
  std::vector<float> action(mu.data(), mu.data() + mu.size());
  if (explore)
    for (float& a : action) a = sample_truncated_normal(rng_, a, sigma_, 0.f, 1.f);
  return action;
}

std::vector<float> Ddpg::random_action() {
  std::vector<float> action(static_cast<size_t>(options_.action_size));
  for (float& a : action) a = rng_.uniform();
  return action;
}

void Ddpg::observe(const Transition& transition) { buffer_.add(transition); }

void Ddpg::decay_noise() { sigma_ *= options_.noise_decay; }

void Ddpg::concat_state_action(const Tensor& states, const Tensor& actions) {
  const int64_t rows = states.dim(0), s = options_.state_size, a = options_.action_size;
  critic_input_.resize({rows, s + a});
  for (int64_t r = 0; r < rows; ++r) {
    float* dst = critic_input_.data() + r * (s + a);
    std::copy(states.data() + r * s, states.data() + (r + 1) * s, dst);
    std::copy(actions.data() + r * a, actions.data() + (r + 1) * a, dst + s);
  }
}

DdpgUpdateStats Ddpg::update() {
  require(buffer_.size() > 0, "ddpg: update needs at least one observed transition");
  const int64_t n = options_.batch_size;
  const int64_t s = options_.state_size, a = options_.action_size;
  buffer_.sample(n, rng_, batch_);
  DdpgUpdateStats stats;

  if (options_.reward_baseline) {
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += batch_.rewards[i];
    const float mean = static_cast<float>(sum / static_cast<double>(n));
    if (has_baseline_) baseline_ += options_.baseline_alpha * (mean - baseline_);
    else baseline_ = mean;
    has_baseline_ = true;
    stats.baseline = baseline_;
  }

  // TD targets from the target networks: y = r + gamma * Q'(s', mu'(s')) * (1 - done).
  concat_state_action(batch_.next_states, actor_target_.forward(batch_.next_states));
  const Tensor& next_q = critic_target_.forward(critic_input_);
  targets_.resize({n, 1});
  for (int64_t i = 0; i < n; ++i)
    targets_[i] = (batch_.rewards[i] - stats.baseline) + options_.discount * (1.f - batch_.done[i]) * next_q[i];

  // Critic: minimize mean (Q(s, a) - y)^2.
  concat_state_action(batch_.states, batch_.actions);
  const Tensor& q = critic_.forward(critic_input_);
  grad_q_.resize({n, 1});
  double loss = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float diff = q[i] - targets_[i];
    loss += static_cast<double>(diff) * diff;
    grad_q_[i] = 2.f * diff / static_cast<float>(n);
  }
  stats.critic_loss = static_cast<float>(loss / static_cast<double>(n));
  critic_optimizer_.zero_grad();
  critic_.backward(grad_q_, nullptr);
  critic_optimizer_.step(options_.critic_lr);

  // Actor: maximize mean Q(s, mu(s)) with the updated critic; dQ/da flows through the
  // critic's input, then through the actor. The critic's parameters are not touched.
  concat_state_action(batch_.states, actor_.forward(batch_.states));
  const Tensor& q_mu = critic_.forward(critic_input_);
  double q_sum = 0;
  for (int64_t i = 0; i < n; ++i) q_sum += q_mu[i];
  stats.actor_q = static_cast<float>(q_sum / static_cast<double>(n));
  grad_q_.fill(-1.f / static_cast<float>(n));
  critic_.input_gradient(grad_q_, grad_critic_input_);
  grad_action_.resize({n, a});
  for (int64_t r = 0; r < n; ++r)
    std::copy(grad_critic_input_.data() + r * (s + a) + s, grad_critic_input_.data() + (r + 1) * (s + a),
              grad_action_.data() + r * a);
  actor_optimizer_.zero_grad();
  actor_.backward(grad_action_, nullptr);
  actor_optimizer_.step(options_.actor_lr);

  actor_target_.soft_update_from(actor_, options_.tau);
  critic_target_.soft_update_from(critic_, options_.tau);
  ++updates_;
  return stats;
}

}  // namespace mpq
