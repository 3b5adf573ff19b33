// Ddpg::load_state (libmpq/rl, the agent inside a search state) on arbitrary bytes, the
// trailing CRC repaired. A state that loads must save back to the same bytes; one that
// does not must throw mpq::Error and leave the agent as it was (ddpg.hpp's contract).
#include <cstdint>
#include <string>

#include "fuzz/agent_options.hpp"
#include "fuzz/fuzz_support.hpp"
#include "libmpq/core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  if (bytes.size() >= 4) mpq::fuzz::repair_crc32(bytes, bytes.size() - 4, 0, bytes.size() - 4);
  mpq::Ddpg agent(mpq::fuzz::small_agent_options());
  static const std::string fresh = agent.save_state();
  try {
    agent.load_state(bytes);
  } catch (const mpq::Error&) {
    if (agent.save_state() != fresh) mpq::fuzz::fail("Ddpg::load_state: a refused state changed the agent");
    return 0;
  }
  if (agent.save_state() != bytes) mpq::fuzz::fail("Ddpg::load_state: a state that loads saves to other bytes");
  return 0;
}
