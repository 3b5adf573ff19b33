// Times the agent's work in a search-sized run (not a test): HAQ's default networks, a
// state of `state_size` features, `steps` transitions per episode and one update per
// transition. Usage: bench_ddpg_update [episodes=10] [steps=60] [state_size=16] [threads=0]
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>

#include "libmpq/rl/ddpg.hpp"
#include "libmpq/tensor/parallel.hpp"

int main(int argc, char** argv) {
  const int episodes = argc > 1 ? std::atoi(argv[1]) : 10;
  const int steps = argc > 2 ? std::atoi(argv[2]) : 60;
  const int state_size = argc > 3 ? std::atoi(argv[3]) : 16;
  if (argc > 4) mpq::set_thread_count(std::atoi(argv[4]));
  mpq::DdpgOptions o;
  o.state_size = state_size;
  mpq::Ddpg agent(o);
  mpq::Rng rng(1);
  auto random_state = [&] {
    std::vector<float> s(static_cast<size_t>(state_size));
    for (float& v : s) v = rng.uniform();
    return s;
  };
  using clock = std::chrono::steady_clock;
  auto seconds = [](clock::duration d) { return std::chrono::duration<double>(d).count(); };
  // Fill the buffer past one batch, as the warm-up episodes do.
  for (int i = 0; i < 2 * steps; ++i) agent.observe({random_state(), agent.random_action(), rng.uniform(), random_state(), false});
  double act = 0, update = 0, save = 0, update_cpu = 0;
  for (int e = 0; e < episodes; ++e) {
    auto t0 = clock::now();
    for (int s = 0; s < steps; ++s) {
      std::vector<float> st = random_state();
      agent.observe({st, agent.select_action(st, true), rng.uniform(), random_state(), s + 1 == steps});
    }
    auto t1 = clock::now();
    const std::clock_t c1 = std::clock();
    for (int s = 0; s < steps; ++s) agent.update();
    update_cpu += static_cast<double>(std::clock() - c1) / CLOCKS_PER_SEC;
    auto t2 = clock::now();
    const std::string state = agent.save_state();
    auto t3 = clock::now();
    agent.decay_noise();
    act += seconds(t1 - t0);
    update += seconds(t2 - t1);
    save += seconds(t3 - t2);
    if (e + 1 == episodes) std::printf("state bytes: %zu\n", state.size());
  }
  std::printf("threads %d, %d episodes x %d steps, state %d\n", mpq::thread_count(), episodes, steps, state_size);
  // CPU time (all threads) next to wall time shows how busy the machine was.
  std::printf("per update: %.3f ms wall, %.3f ms cpu\n", 1e3 * update / (episodes * steps),
              1e3 * update_cpu / (episodes * steps));
  std::printf("per episode: updates %.3f s, actions %.4f s, save_state %.4f s\n", update / episodes, act / episodes,
              save / episodes);
  return 0;
}
