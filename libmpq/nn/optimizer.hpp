#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libmpq/nn/layer.hpp"

namespace mpq {

// Updates parameters from their accumulated gradients. Subclasses keep per-parameter
// state tensors (momentum, Adam moments) that checkpoints save through state().
class Optimizer {
 public:
  explicit Optimizer(std::vector<Parameter*> params) : params_(std::move(params)) {}
  virtual ~Optimizer() = default;
  virtual void step(float lr) = 0;
  void zero_grad();
  int64_t steps() const { return steps_; }
  void set_steps(int64_t steps) { steps_ = steps; }
  // Named state tensors, in a fixed order, for checkpoints.
  virtual std::vector<std::pair<std::string, Tensor*>> state() = 0;
  const std::vector<Parameter*>& params() const { return params_; }

 protected:
  std::vector<Parameter*> params_;
  int64_t steps_ = 0;
};

// SGD with (optionally Nesterov) momentum and decoupled-from-BN weight decay, PyTorch's
// update: g = grad + wd * w (only for params with weight_decay), v = m * v + g,
// w -= lr * (nesterov ? g + m * v : v).
class Sgd : public Optimizer {
 public:
  Sgd(std::vector<Parameter*> params, float momentum = 0.9f, float weight_decay = 0.f, bool nesterov = false);
  void step(float lr) override;
  std::vector<std::pair<std::string, Tensor*>> state() override;

 private:
  float momentum_, weight_decay_;
  bool nesterov_;
  std::vector<Tensor> velocity_;
};

// Adam (Kingma & Ba) with bias correction, PyTorch's update; L2 weight decay added to
// the gradient of params with weight_decay.
class Adam : public Optimizer {
 public:
  Adam(std::vector<Parameter*> params, float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f,
       float weight_decay = 0.f);
  void step(float lr) override;
  std::vector<std::pair<std::string, Tensor*>> state() override;

 private:
  float beta1_, beta2_, eps_, weight_decay_;
  std::vector<Tensor> m_, v_;
};

// Learning rate at `step` (0-based) of `total_steps`: linear warm-up from 0 to base_lr
// over warmup_steps, then cosine decay from base_lr to min_lr at total_steps.
float cosine_lr(float base_lr, int64_t step, int64_t total_steps, int64_t warmup_steps, float min_lr = 0.f);

}  // namespace mpq
