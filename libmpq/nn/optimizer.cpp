#include "libmpq/nn/optimizer.hpp"

#include <cmath>

#include "libmpq/core/error.hpp"
#include "libmpq/tensor/parallel.hpp"

namespace mpq {

namespace {

constexpr int64_t kGrain = 16384;  // elements per parallel_for chunk; small tensors run inline

// Zero-initialized state tensors shaped like the parameters. Zero momentum and moments give
// exactly PyTorch's first step, so the state exists from the start and checkpoints always
// see the same set of tensors.
std::vector<Tensor> zeros_like(const std::vector<Parameter*>& params, const char* optimizer) {
  std::vector<Tensor> state;
  state.reserve(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    require(params[i] != nullptr, std::string(optimizer) + ": parameter " + std::to_string(i) + " is null");
    state.emplace_back(params[i]->value.shape());
  }
  return state;
}

void require_grad_matches(const Parameter& p, size_t i, const char* optimizer) {
  require(p.grad.shape() == p.value.shape(), std::string(optimizer) + ": parameter " + std::to_string(i) + " (" +
                                                 p.name + ") has gradient " + shape_to_string(p.grad.shape()) +
                                                 " for value " + shape_to_string(p.value.shape()));
}

}  // namespace

void Optimizer::zero_grad() {
  for (Parameter* p : params_) p->grad.zero();
}

Sgd::Sgd(std::vector<Parameter*> params, float momentum, float weight_decay, bool nesterov)
    : Optimizer(std::move(params)), momentum_(momentum), weight_decay_(weight_decay), nesterov_(nesterov) {
  require(momentum >= 0.f, "sgd: momentum must be >= 0, got " + std::to_string(momentum));
  require(weight_decay >= 0.f, "sgd: weight decay must be >= 0, got " + std::to_string(weight_decay));
  require(!nesterov || momentum > 0.f, "sgd: nesterov needs momentum > 0");
  velocity_ = zeros_like(params_, "sgd");
}

void Sgd::step(float lr) {
  for (size_t i = 0; i < params_.size(); ++i) {
    Parameter& p = *params_[i];
    require_grad_matches(p, i, "sgd");
    float* w = p.value.data();
    const float* grad = p.grad.data();
    float* v = velocity_[i].data();
    const float wd = p.weight_decay ? weight_decay_ : 0.f;
    const float m = momentum_;
    const bool nesterov = nesterov_;
    const float plr = lr * p.lr_scale;
    parallel_for(p.value.size(), kGrain, [=](int64_t begin, int64_t end) {
      for (int64_t j = begin; j < end; ++j) {
        const float g = grad[j] + wd * w[j];
        v[j] = m * v[j] + g;
        w[j] -= plr * (nesterov ? g + m * v[j] : v[j]);
      }
    });
  }
  ++steps_;
}

std::vector<std::pair<std::string, Tensor*>> Sgd::state() {
  std::vector<std::pair<std::string, Tensor*>> named;
  for (size_t i = 0; i < velocity_.size(); ++i) named.emplace_back("velocity." + std::to_string(i), &velocity_[i]);
  return named;
}

Adam::Adam(std::vector<Parameter*> params, float beta1, float beta2, float eps, float weight_decay)
    : Optimizer(std::move(params)), beta1_(beta1), beta2_(beta2), eps_(eps), weight_decay_(weight_decay) {
  require(beta1 >= 0.f && beta1 < 1.f, "adam: beta1 must be in [0, 1), got " + std::to_string(beta1));
  require(beta2 >= 0.f && beta2 < 1.f, "adam: beta2 must be in [0, 1), got " + std::to_string(beta2));
  require(eps >= 0.f, "adam: eps must be >= 0, got " + std::to_string(eps));
  require(weight_decay >= 0.f, "adam: weight decay must be >= 0, got " + std::to_string(weight_decay));
  m_ = zeros_like(params_, "adam");
  v_ = zeros_like(params_, "adam");
}

void Adam::step(float lr) {
  const double t = static_cast<double>(steps_ + 1);
  const double correction1 = 1.0 - std::pow(static_cast<double>(beta1_), t);
  const double correction2 = 1.0 - std::pow(static_cast<double>(beta2_), t);
  // PyTorch: w -= (lr / c1) * m / (sqrt(v) / sqrt(c2) + eps)
  const float step_size = static_cast<float>(lr / correction1);
  const float inv_sqrt_c2 = static_cast<float>(1.0 / std::sqrt(correction2));
  for (size_t i = 0; i < params_.size(); ++i) {
    Parameter& p = *params_[i];
    require_grad_matches(p, i, "adam");
    float* w = p.value.data();
    const float* grad = p.grad.data();
    float* m = m_[i].data();
    float* v = v_[i].data();
    const float wd = p.weight_decay ? weight_decay_ : 0.f;
    const float b1 = beta1_, b2 = beta2_, eps = eps_;
    const float step = step_size * p.lr_scale;
    parallel_for(p.value.size(), kGrain, [=](int64_t begin, int64_t end) {
      for (int64_t j = begin; j < end; ++j) {
        const float g = grad[j] + wd * w[j];
        m[j] = b1 * m[j] + (1.f - b1) * g;
        v[j] = b2 * v[j] + (1.f - b2) * g * g;
        w[j] -= step * m[j] / (std::sqrt(v[j]) * inv_sqrt_c2 + eps);
      }
    });
  }
  ++steps_;
}

std::vector<std::pair<std::string, Tensor*>> Adam::state() {
  std::vector<std::pair<std::string, Tensor*>> named;
  for (size_t i = 0; i < m_.size(); ++i) {
    named.emplace_back("adam_m." + std::to_string(i), &m_[i]);
    named.emplace_back("adam_v." + std::to_string(i), &v_[i]);
  }
  return named;
}

float cosine_lr(float base_lr, int64_t step, int64_t total_steps, int64_t warmup_steps, float min_lr) {
  require(step >= 0 && total_steps >= 0 && warmup_steps >= 0,
          "cosine_lr: step " + std::to_string(step) + ", total " + std::to_string(total_steps) + " and warm-up " +
              std::to_string(warmup_steps) + " must be >= 0");
  if (step < warmup_steps) return static_cast<float>(static_cast<double>(base_lr) * step / warmup_steps);
  const int64_t decay_steps = total_steps - warmup_steps;
  if (decay_steps <= 0 || step >= total_steps) return min_lr;
  const double progress = static_cast<double>(step - warmup_steps) / static_cast<double>(decay_steps);
  const double pi = std::acos(-1.0);
  return static_cast<float>(min_lr + (static_cast<double>(base_lr) - min_lr) * 0.5 * (1.0 + std::cos(pi * progress)));
}

}  // namespace mpq
