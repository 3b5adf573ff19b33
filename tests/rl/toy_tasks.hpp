// Small tasks with known optimal actions, and the HAQ-style episode loop that trains the
// agent on them; shared by the agent tests.
#pragma once

#include <vector>

#include "libmpq/rl/ddpg.hpp"

namespace mpq::test {

struct TaskStep {
  std::vector<float> next_state;
  float reward = 0.f;
  bool done = false;
};

class ToyTask {
 public:
  virtual ~ToyTask() = default;
  virtual int state_size() const = 0;
  virtual std::vector<float> reset() = 0;
  virtual TaskStep step(float action) = 0;
};

// One step, state [1], reward -(a - 0.7)^2.
class BanditTask : public ToyTask {
 public:
  int state_size() const override { return 1; }
  std::vector<float> reset() override { return {1.f}; }
  TaskStep step(float action) override { return {{1.f}, -(action - 0.7f) * (action - 0.7f), true}; }
};

// Three steps; the state is [step / 2, a0, a1] (the actions so far, 0 until taken). The
// reward comes only after the last step: -((a0 - 0.2)^2 + (a1 - (1 - a0))^2 + (a2 - a1 / 2)^2),
// so each best action depends on the earlier ones: a0 = 0.2, a1 = 0.8, a2 = 0.4 gives 0.
// Uniform random play averages -0.51 (1/3 - 0.2 + 0.04, 1/6 and 1/6 for the three terms).
class ChainTask : public ToyTask {
 public:
  int state_size() const override { return 3; }
  std::vector<float> reset() override;
  TaskStep step(float action) override;

 private:
  int t_ = 0;
  float a_[3] = {0.f, 0.f, 0.f};
};

enum class Play { Random, Explore, Greedy };

// Plays one episode. Random and Explore store the transitions and then (after the
// episode, as HAQ) run updates_per_step updates per transition; Explore then decays the
// noise. Greedy only acts (no noise, no learning). Returns the episode's total reward;
// `actions` (if not null) receives the actions taken.
float run_episode(Ddpg& agent, ToyTask& task, Play play, int updates_per_step, std::vector<float>* actions = nullptr);

// `warmup` random episodes without updates, then `episodes` exploring ones with updates.
void train(Ddpg& agent, ToyTask& task, int warmup, int episodes, int updates_per_step);

}  // namespace mpq::test
