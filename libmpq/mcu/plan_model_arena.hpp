// The activation arena of a model under a policy: the buffers the runtime allocates and
// their placement by libmpq/runtime's plan_arena (the rule of docs/memory-model.md).
#pragma once

#include <cstdint>
#include <vector>

#include "libmpq/mcu/op_bits.hpp"
#include "libmpq/runtime/blob_format.hpp"
#include "libmpq/runtime/plan_arena.hpp"

namespace mpq {

// Every buffer offset and the arena size are multiples of this: scratch must be 4-byte
// aligned for the kernels, and word-aligned activations let them load 32 bits at a time.
constexpr uint32_t kArenaAlignment = 4;
constexpr uint16_t kNoBuffer = blob::kNoBuffer;

// Buffer ids of one op (indices into ModelArena::buffers; kNoBuffer when absent).
struct OpBuffers {
  uint16_t input[2] = {kNoBuffer, kNoBuffer};
  uint16_t output = kNoBuffer;
  uint16_t scratch = kNoBuffer;
};

struct ModelArena {
  // Buffer 0: the 8-bit network input, steps [0, last reader]. Then for op i, which runs
  // at step i + 1: its output, steps [i + 1, its last reader's step] ([i + 1, i + 1] if
  // nothing reads it), followed by its scratch, steps [i + 1, i + 1], if the kernel needs
  // any. Sizes are exact (unaligned); offsets are plan_arena's.
  std::vector<rt::ArenaBuffer> buffers;
  std::vector<OpBuffers> ops;         // one per op
  std::vector<uint32_t> scratch;      // scratch bytes per op (0: no scratch buffer)
  uint32_t arena_bytes = 0;           // plan_arena's arena size
  uint32_t lower_bound = 0;           // arena_lower_bound of the same buffers
};

// Requires: bits == op_bits(graph, policy). Throws Error when the graph has more steps or
// buffers than the blob's 16-bit fields hold, a buffer exceeds 4 GiB, or a kernel refuses
// an op's shapes (op_scratch_bytes).
ModelArena plan_model_arena(const QuantGraph& graph, const std::vector<OpBits>& bits);

}  // namespace mpq
