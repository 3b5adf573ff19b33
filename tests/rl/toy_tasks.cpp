#include "rl/toy_tasks.hpp"

namespace mpq::test {

std::vector<float> ChainTask::reset() {
  t_ = 0;
  a_[0] = a_[1] = a_[2] = 0.f;
  return {0.f, 0.f, 0.f};
}

TaskStep ChainTask::step(float action) {
  a_[t_++] = action;
  TaskStep s;
  s.next_state = {0.5f * static_cast<float>(t_), a_[0], a_[1]};
  s.done = t_ == 3;
  if (s.done) {
    const float d0 = a_[0] - 0.2f, d1 = a_[1] - (1.f - a_[0]), d2 = a_[2] - 0.5f * a_[1];
    s.reward = -(d0 * d0 + d1 * d1 + d2 * d2);
  }
  return s;
}

float run_episode(Ddpg& agent, ToyTask& task, Play play, int updates_per_step, std::vector<float>* actions) {
  std::vector<float> state = task.reset();
  std::vector<Transition> transitions;
  float total = 0.f;
  if (actions) actions->clear();
  for (bool done = false; !done;) {
    const std::vector<float> action =
        play == Play::Random ? agent.random_action() : agent.select_action(state, play == Play::Explore);
    TaskStep s = task.step(action[0]);
    if (actions) actions->push_back(action[0]);
    total += s.reward;
    done = s.done;
    transitions.push_back({state, action, s.reward, s.next_state, s.done});
    state = s.next_state;
  }
  if (play == Play::Greedy) return total;
  for (const Transition& t : transitions) agent.observe(t);
  for (size_t i = 0; i < transitions.size() * static_cast<size_t>(updates_per_step); ++i) agent.update();
  if (play == Play::Explore) agent.decay_noise();
  return total;
}

void train(Ddpg& agent, ToyTask& task, int warmup, int episodes, int updates_per_step) {
  for (int e = 0; e < warmup; ++e) run_episode(agent, task, Play::Random, 0);
  for (int e = 0; e < episodes; ++e) run_episode(agent, task, Play::Explore, updates_per_step);
}

}  // namespace mpq::test
