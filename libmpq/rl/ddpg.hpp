#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libmpq/core/rng.hpp"
#include "libmpq/nn/optimizer.hpp"
#include "libmpq/rl/mlp.hpp"
#include "libmpq/rl/replay_buffer.hpp"

namespace mpq {

// Every hyper-parameter of the agent. Defaults are HAQ's (Wang et al., CVPR 2019,
// lib/rl/ddpg.py and rl_quantize.py) except where noted.
struct DdpgOptions {
  int64_t state_size = 0;  // required, > 0
  int64_t action_size = 1;
  std::vector<int64_t> actor_hidden = {300, 300};
  std::vector<int64_t> critic_hidden = {300, 300};
  float actor_lr = 1e-4f;
  float critic_lr = 1e-3f;
  float adam_beta1 = 0.9f;
  float adam_beta2 = 0.999f;
  float adam_eps = 1e-8f;
  float tau = 0.01f;        // soft target update: target = tau * net + (1 - tau) * target
  int64_t batch_size = 64;
  float discount = 1.f;     // gamma
  int64_t replay_capacity = 2000;  // transitions (the project's default, not HAQ's)
  float noise_sigma = 0.5f;  // initial exploration sigma
  float noise_decay = 0.95f;  // sigma *= noise_decay at each decay_noise() (HAQ: 0.99)
  float last_layer_init = 3e-3f;  // last layers' weights and biases uniform in +-this (DDPG paper)
  // Rewards are replaced by reward - baseline, the baseline being a moving average of
  // each sampled batch's mean reward: baseline += baseline_alpha * (mean - baseline),
  // starting at the first batch's mean (HAQ). It shifts Q by a constant per state, which
  // keeps the critic's targets near 0 without changing the best action.
  bool reward_baseline = true;
  float baseline_alpha = 0.5f;
  uint64_t seed = 0;
};

// What one update() did, for logging.
struct DdpgUpdateStats {
  float critic_loss = 0.f;  // mean squared TD error before the critic's step
  float actor_q = 0.f;      // mean Q(s, mu(s)) over the batch before the actor's step
  float baseline = 0.f;     // reward baseline used (0 without reward_baseline)
};

// A DDPG agent for actions in [0, 1]^action_size: actor mu(s) (MLP, sigmoid output),
// critic Q(s, a) (MLP on the concatenation [s, a]), their target copies, one Adam each,
// a replay buffer and truncated-normal exploration noise. All randomness (initialization,
// noise, random actions, batch sampling) comes from one Rng seeded by options.seed, so a
// seed and the sequence of calls determine every result; save_state/load_state capture
// all of it.
//
// Typical loop (HAQ): for the first warm-up episodes act with random_action(); then with
// select_action(s, true), calling decay_noise() after each such episode. At an episode's
// end observe() its transitions and, after warm-up, call update() once per transition.
class Ddpg {
 public:
  // Validates the options (throws Error naming the field) and initializes the networks;
  // targets start as exact copies.
  explicit Ddpg(const DdpgOptions& options);
  // The optimizers point into the networks, so the agent stays where it was built.
  Ddpg(const Ddpg&) = delete;
  Ddpg& operator=(const Ddpg&) = delete;

  // mu(state), plus truncated-normal noise of the current sigma when explore, each
  // component in [0, 1]. Requires state_size values.
  std::vector<float> select_action(const std::vector<float>& state, bool explore);
  // Uniform in [0, 1) per component (warm-up episodes).
  std::vector<float> random_action();
  // Stores a transition in the replay buffer (the oldest is dropped when full).
  void observe(const Transition& transition);
  // One gradient step of critic then actor on a batch sampled from the buffer, then the
  // soft target updates. Requires a non-empty buffer.
  DdpgUpdateStats update();
  // sigma *= noise_decay; call once per exploring episode.
  void decay_noise();

  // The generator alone, so that a caller can draw actions ahead and rewind (the search
  // proposes warm-up episodes ahead to score them on several ranks at once).
  Rng::State rng_state() const { return rng_.state(); }
  void set_rng_state(const Rng::State& state) { rng_.set_state(state); }
  float noise_sigma() const { return sigma_; }
  int64_t update_count() const { return updates_; }
  const DdpgOptions& options() const { return options_; }
  const ReplayBuffer& replay_buffer() const { return buffer_; }
  const Mlp& actor() const { return actor_; }
  const Mlp& critic() const { return critic_; }

  // The whole agent (networks, targets, Adam moments and step counts, replay buffer,
  // sigma, baseline, update count, rng state) with the options it was built with, and a
  // CRC-32. load_state requires bytes saved by an agent with the same options and
  // restores it exactly: later calls give bit-identical results to the saved agent's.
  // A corrupted, truncated or incompatible state throws Error and changes nothing.
  std::string save_state() const;
  void load_state(const std::string& bytes);

 private:
  // [states | actions] into critic_input_.
  void concat_state_action(const Tensor& states, const Tensor& actions);

  DdpgOptions options_;
  Rng rng_;
  Mlp actor_, actor_target_, critic_, critic_target_;
  Adam actor_optimizer_, critic_optimizer_;
  ReplayBuffer buffer_;
  float sigma_;
  bool has_baseline_ = false;
  float baseline_ = 0.f;
  int64_t updates_ = 0;
  // Scratch reused by update().
  TransitionBatch batch_;
  Tensor critic_input_, targets_, grad_q_, grad_critic_input_, grad_action_, state_row_;
};

}  // namespace mpq
