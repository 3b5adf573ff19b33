#include "libmpq/rl/ddpg.hpp"

#include <cmath>
#include <cstdio>
#include <utility>

#include "libmpq/core/crc32.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/rl/truncated_normal.hpp"

namespace mpq {

namespace {

const char* const kStateMagic = "mpq-ddpg-state";
constexpr uint32_t kStateVersion = 1;

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

std::string exact(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%a", static_cast<double>(v));
  return buf;
}

std::string join(const std::vector<int64_t>& sizes) {
  std::string s;
  for (size_t i = 0; i < sizes.size(); ++i) s += (i ? "-" : "") + std::to_string(sizes[i]);
  return s;
}

// The options a saved state must be loaded with, as exact text. The seed is left out: it
// only chooses the initial state, which loading replaces.
std::vector<std::pair<std::string, std::string>> option_fields(const DdpgOptions& o) {
  return {{"state_size", std::to_string(o.state_size)},
          {"action_size", std::to_string(o.action_size)},
          {"actor_hidden", join(o.actor_hidden)},
          {"critic_hidden", join(o.critic_hidden)},
          {"actor_lr", exact(o.actor_lr)},
          {"critic_lr", exact(o.critic_lr)},
          {"adam_beta1", exact(o.adam_beta1)},
          {"adam_beta2", exact(o.adam_beta2)},
          {"adam_eps", exact(o.adam_eps)},
          {"tau", exact(o.tau)},
          {"batch_size", std::to_string(o.batch_size)},
          {"discount", exact(o.discount)},
          {"replay_capacity", std::to_string(o.replay_capacity)},
          {"noise_sigma", exact(o.noise_sigma)},
          {"noise_decay", exact(o.noise_decay)},
          {"last_layer_init", exact(o.last_layer_init)},
          {"reward_baseline", o.reward_baseline ? "1" : "0"},
          {"baseline_alpha", exact(o.baseline_alpha)}};
}

void save_optimizer(ByteWriter& out, Optimizer& opt) {
  out.i64(opt.steps());
  const auto state = opt.state();
  out.u32(static_cast<uint32_t>(state.size()));
  for (const auto& named : state) {
    out.i64(named.second->size());
    out.floats(named.second->data(), static_cast<size_t>(named.second->size()));
  }
}

struct OptimizerState {
  int64_t steps = 0;
  std::vector<Tensor> tensors;
};

OptimizerState read_optimizer(ByteReader& in, Optimizer& opt, const char* which) {
  OptimizerState read;
  read.steps = in.i64("adam steps");
  require(read.steps >= 0, std::string("ddpg state: ") + which + " optimizer step count " +
                               std::to_string(read.steps) + " is negative");
  const auto state = opt.state();
  const uint32_t count = in.u32("adam state count");
  require(count == state.size(), std::string("ddpg state: ") + which + " optimizer has " + std::to_string(count) +
                                     " state tensors, expected " + std::to_string(state.size()));
  for (const auto& named : state) {
    const int64_t size = in.i64("adam state size");
    require(size == named.second->size(), std::string("ddpg state: ") + which + " optimizer " + named.first + " has " +
                                              std::to_string(size) + " values, expected " +
                                              std::to_string(named.second->size()));
    read.tensors.emplace_back(named.second->shape());
    in.floats(read.tensors.back().data(), static_cast<size_t>(size), "adam state");
  }
  return read;
}

void commit_optimizer(Optimizer& opt, const OptimizerState& read) {
  const auto state = opt.state();
  for (size_t i = 0; i < state.size(); ++i) *state[i].second = read.tensors[i];
  opt.set_steps(read.steps);
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

std::string Ddpg::save_state() const {
  // The optimizers' state() is non-const only because it hands out mutable pointers.
  auto& self = const_cast<Ddpg&>(*this);
  ByteWriter out;
  out.str(kStateMagic);
  out.u32(kStateVersion);
  const auto fields = option_fields(options_);
  out.u32(static_cast<uint32_t>(fields.size()));
  for (const auto& f : fields) {
    out.str(f.first);
    out.str(f.second);
  }
  actor_.save(out);
  actor_target_.save(out);
  critic_.save(out);
  critic_target_.save(out);
  save_optimizer(out, self.actor_optimizer_);
  save_optimizer(out, self.critic_optimizer_);
  buffer_.save(out);
  out.f32(sigma_);
  out.u8(has_baseline_ ? 1 : 0);
  out.f32(baseline_);
  out.i64(updates_);
  const Rng::State rng = rng_.state();
  for (uint64_t word : rng.s) out.u64(word);
  out.u8(rng.has_spare ? 1 : 0);
  out.f32(rng.spare);
  out.u32(crc32(out.bytes().data(), out.bytes().size()));
  return std::move(out.bytes());
}

void Ddpg::load_state(const std::string& bytes) {
  require(bytes.size() >= 4, "ddpg state: truncated (" + std::to_string(bytes.size()) + " bytes)");
  const size_t payload = bytes.size() - 4;
  ByteReader crc_reader(bytes, "ddpg state", payload);
  const uint32_t stored_crc = crc_reader.u32("crc");
  require(crc32(bytes.data(), payload) == stored_crc,
          "ddpg state: checksum mismatch (corrupted or truncated, " + std::to_string(bytes.size()) + " bytes)");

  ByteReader in(bytes, "ddpg state", 0, payload);
  const std::string magic = in.str("magic");
  require(magic == kStateMagic, "ddpg state: not an agent state (magic '" + magic + "', expected '" + kStateMagic + "')");
  const uint32_t version = in.u32("version");
  require(version == kStateVersion, "ddpg state: version " + std::to_string(version) + ", expected " +
                                        std::to_string(kStateVersion));
  const auto fields = option_fields(options_);
  const uint32_t field_count = in.u32("option count");
  require(field_count == fields.size(), "ddpg state: " + std::to_string(field_count) + " options stored, expected " +
                                            std::to_string(fields.size()));
  for (const auto& f : fields) {
    const std::string name = in.str("option name");
    const std::string value = in.str("option value");
    require(name == f.first, "ddpg state: option '" + name + "' stored where '" + f.first + "' was expected");
    require(value == f.second, "ddpg state: saved with " + name + " = " + value + ", this agent has " + f.second);
  }

  // Read everything into copies first; commit only once the whole state has parsed.
  Mlp actor = actor_, actor_target = actor_target_, critic = critic_, critic_target = critic_target_;
  for (Mlp* net : {&actor, &actor_target, &critic, &critic_target}) net->load(in);
  const OptimizerState actor_opt = read_optimizer(in, actor_optimizer_, "actor");
  const OptimizerState critic_opt = read_optimizer(in, critic_optimizer_, "critic");
  ReplayBuffer buffer = buffer_;
  buffer.load(in);
  const float sigma = in.f32("noise sigma");
  require(std::isfinite(sigma) && sigma >= 0.f, "ddpg state: noise sigma " + std::to_string(sigma) + " is invalid");
  const bool has_baseline = in.u8("has baseline") != 0;
  const float baseline = in.f32("baseline");
  const int64_t updates = in.i64("update count");
  Rng::State rng{};
  for (uint64_t& word : rng.s) word = in.u64("rng state");
  rng.has_spare = in.u8("rng has spare") != 0;
  rng.spare = in.f32("rng spare");
  require(in.remaining() == 0, "ddpg state: " + std::to_string(in.remaining()) + " unexpected trailing bytes");

  actor_.copy_from(actor);
  actor_target_.copy_from(actor_target);
  critic_.copy_from(critic);
  critic_target_.copy_from(critic_target);
  commit_optimizer(actor_optimizer_, actor_opt);
  commit_optimizer(critic_optimizer_, critic_opt);
  buffer_ = std::move(buffer);
  sigma_ = sigma;
  has_baseline_ = has_baseline;
  baseline_ = baseline;
  updates_ = updates;
  rng_.set_state(rng);
}

}  // namespace mpq
