#include "libmpq/mcu/one_chunk_scratch.hpp"

#include <cstdint>

#include "libmpq/runtime/op_requirements.hpp"

namespace mpq {

namespace {

struct Candidate {
  uint16_t op;
  uint32_t one_chunk_bytes;
};

// Depthwise ops outside the stage whose one-chunk scratch is larger than their own.
std::vector<Candidate> candidates(const std::vector<rt::OpRecord>& records, const ModelArena& arena) {
  std::vector<Candidate> found;
  for (uint16_t i = 0; i < records.size(); ++i) {
    if (records[i].kind != blob::op_kind::depthwise || arena.patch.contains(i) || arena.scratch[i] == 0) continue;
    rt::OpRecord flagged = records[i];
    flagged.flags |= blob::kOpFlagOneChunk;
    const uint32_t bytes = static_cast<uint32_t>(rt::op_requirements(flagged).scratch_bytes);
    if (bytes > arena.scratch[i]) found.push_back({i, bytes});
  }
  return found;
}

// `records` with `chosen` flagged, planned: the buffers placed and the arena size.
struct Trial {
  std::vector<rt::OpRecord> records;
  std::vector<rt::ArenaBuffer> buffers;
  uint32_t arena_bytes = 0;
};

Trial plan_with(const std::vector<rt::OpRecord>& records, const ModelArena& arena,
                const std::vector<Candidate>& chosen) {
  Trial t{records, arena.buffers, 0};
  for (const Candidate& c : chosen) {
    t.records[c.op].flags |= blob::kOpFlagOneChunk;
    t.buffers[arena.ops[c.op].scratch].size = c.one_chunk_bytes;
  }
  t.arena_bytes = place_buffers(t.records, arena.patch, &t.buffers);
  return t;
}

}  // namespace

void grant_one_chunk_scratch(std::vector<rt::OpRecord>* records, ModelArena* arena) {
  const std::vector<Candidate> all = candidates(*records, *arena);
  if (all.empty()) return;
  std::vector<Candidate> chosen;
  Trial best = plan_with(*records, *arena, all);
  if (best.arena_bytes <= arena->arena_bytes) {
    chosen = all;
  } else {
    best = Trial{*records, arena->buffers, arena->arena_bytes};
    for (const Candidate& c : all) {
      chosen.push_back(c);
      Trial t = plan_with(*records, *arena, chosen);
      if (t.arena_bytes <= arena->arena_bytes)
        best = std::move(t);
      else
        chosen.pop_back();
    }
  }
  *records = std::move(best.records);
  arena->buffers = std::move(best.buffers);
  arena->arena_bytes = best.arena_bytes;
  for (const Candidate& c : chosen) {
    arena->scratch[c.op] = c.one_chunk_bytes;
    arena->one_chunk_ops.push_back(c.op);
  }
}

}  // namespace mpq
