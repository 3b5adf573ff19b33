#pragma once
// One evaluated policy of the search, and its bytes in the search state: PolicySearch
// writes and reads them (policy_search.cpp), and the fuzz target of its resume compares
// them (tests/fuzz/fuzz_search_resume.cpp).

#include <cstdint>
#include <string>

#include "libmpq/core/byte_io.hpp"

namespace mpq {

struct EpisodeRecord {
  int64_t episode = 0;   // 0-based over both phases
  std::string phase;     // "warmup", "agent" or "random"
  std::string bits;      // Policy::key() of the enforced policy
  uint32_t flash = 0, ram = 0;
  double accuracy = 0;   // validation accuracy after the short fine-tune
  double reward = 0;
  double seconds = 0;
};

void write_episode_record(ByteWriter& w, const EpisodeRecord& record);
// Throws Error naming the field when the bytes end early.
EpisodeRecord read_episode_record(ByteReader& r);

}  // namespace mpq
