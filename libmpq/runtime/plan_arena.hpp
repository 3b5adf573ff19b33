// runtime: freestanding model-blob parser, activation-arena planner and graph executor.
// No heap, exceptions, RTTI or host libraries: it cross-compiles for Cortex-M, and the
// host's memory model (libmpq/mcu) calls the very same planner, so the RAM the search
// is told a policy needs is the arena the device allocates.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mpq::rt {

// One buffer the executor needs: an activation tensor live from the step that writes
// it to the last step that reads it (inclusive), or a kernel's scratch live during one
// step. plan_arena() fills `offset`.
struct ArenaBuffer {
  uint32_t size;        // bytes
  uint16_t first_step;  // step that produces it
  uint16_t last_step;   // last step that reads it (>= first_step)
  uint32_t offset;      // out: byte offset in the arena, a multiple of the alignment
};

enum class PlanStatus : uint8_t { ok, bad_argument, scratch_too_small };

// Places every buffer in one arena so that two buffers whose step ranges overlap never
// share a byte. Greedy first-fit: buffers are taken in one order, each at the lowest
// aligned offset that clears every already-placed buffer live at the same time. Five
// orders are tried and the one with the smallest arena is kept (ties: the earlier one):
//   0. decreasing size;  1. increasing first step, then decreasing size;
//   2. decreasing lifetime, then decreasing size;  3. decreasing size x lifetime;
//   4. decreasing first step, then decreasing size;
// ties always broken by buffer index, so the result is deterministic. `order` is
// caller-owned scratch of `count` entries. Writes the arena size (the end of the highest
// buffer, rounded up to the alignment) to *arena_bytes. alignment must be a power of two.
PlanStatus plan_arena(ArenaBuffer* buffers, uint16_t count, uint32_t alignment, uint16_t* order,
                      uint32_t* arena_bytes);

// The lower bound no placement can beat: the largest sum of sizes live at one step
// (each rounded up to the alignment).
uint32_t arena_lower_bound(const ArenaBuffer* buffers, uint16_t count, uint32_t alignment);

}  // namespace mpq::rt
