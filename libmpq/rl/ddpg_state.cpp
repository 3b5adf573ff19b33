// Ddpg::save_state and load_state: the agent's whole state as bytes (docs/rl.md, "Determinism
// and the saved state").
#include <cmath>
#include <cstdio>
#include <utility>

#include "libmpq/core/byte_io.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/core/frame.hpp"
#include "libmpq/rl/ddpg.hpp"

namespace mpq {

namespace {

constexpr FrameLayout kStateFrame{"agent state", "mpq-ddpg-state", MagicForm::string, /*payload_size=*/false,
                                  CrcPlace::trailer, /*version=*/1};

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

std::string Ddpg::save_state() const {
  // The optimizers' state() is non-const only because it hands out mutable pointers.
  auto& self = const_cast<Ddpg&>(*this);
  ByteWriter out;
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
  return frame(kStateFrame, out.bytes());
}

void Ddpg::load_state(const std::string& bytes) {
  const FramePayload payload = unframe(kStateFrame, bytes, "ddpg state");
  ByteReader in(bytes, "ddpg state", payload.begin, payload.end);
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
  const bool has_baseline = in.flag("has baseline");
  const float baseline = in.f32("baseline");
  const int64_t updates = in.i64("update count");
  Rng::State rng{};
  for (uint64_t& word : rng.s) word = in.u64("rng state");
  rng.has_spare = in.flag("rng has spare");
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
