// The small DDPG agent whose state fuzz_ddpg_load_state reads and the seed generator
// writes (a state loads only into an agent built with the same options).
#pragma once

#include "libmpq/rl/ddpg.hpp"

namespace mpq::fuzz {

inline DdpgOptions small_agent_options() {
  DdpgOptions o;
  o.state_size = 3;
  o.actor_hidden = {4};
  o.critic_hidden = {4};
  o.batch_size = 2;
  o.replay_capacity = 4;
  o.seed = 5;
  return o;
}

}  // namespace mpq::fuzz
