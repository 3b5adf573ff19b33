#include "libmpq/mcu/plan_model_arena.hpp"

#include <string>

#include "libmpq/core/error.hpp"
#include "libmpq/kernels/packing.hpp"
#include "libmpq/mcu/op_scratch_bytes.hpp"

namespace mpq {

namespace {

uint32_t output_bytes(const QOp& op, int bits) {
  const int32_t bytes = kernels::activation_bytes(static_cast<int32_t>(op.out_h), static_cast<int32_t>(op.out_w),
                                                  static_cast<int32_t>(op.out_c), bits);
  require(bytes > 0, "memory model: op '" + op.name + "' output is too large for a 32-bit arena");
  return static_cast<uint32_t>(bytes);
}

}  // namespace

ModelArena plan_model_arena(const QuantGraph& graph, const std::vector<OpBits>& bits) {
  const size_t n = graph.ops.size();
  require(bits.size() == n, "memory model: bit widths for " + std::to_string(bits.size()) + " ops, the graph has " +
                                std::to_string(n));
  // Steps and buffer ids are u16 in the blob; kNoBuffer is reserved.
  require(n + 1 < kNoBuffer && 2 * n + 1 < kNoBuffer,
          "memory model: " + std::to_string(n) + " ops is more than the blob's 16-bit step and buffer ids hold");

  // last_step[b]: the step of the last op reading producer b (index 0: the network input).
  std::vector<uint16_t> last_step(n + 1, 0);
  for (size_t i = 0; i < n; ++i) {
    last_step[i + 1] = static_cast<uint16_t>(i + 1);
    for (int in : graph.ops[i].inputs) last_step[static_cast<size_t>(in + 1)] = static_cast<uint16_t>(i + 1);
  }

  ModelArena arena;
  arena.ops.resize(n);
  arena.scratch.resize(n);
  const int32_t input_bytes = kernels::activation_bytes(
      static_cast<int32_t>(graph.spec.in_height), static_cast<int32_t>(graph.spec.in_width),
      static_cast<int32_t>(graph.spec.in_channels), 8);
  require(input_bytes > 0, "memory model: the network input is too large for a 32-bit arena");
  arena.buffers.push_back({static_cast<uint32_t>(input_bytes), 0, last_step[0], 0});
  std::vector<uint16_t> buffer_of(n + 1, 0);  // output buffer of each producer (0: input)
  for (size_t i = 0; i < n; ++i) {
    const QOp& op = graph.ops[i];
    const uint16_t step = static_cast<uint16_t>(i + 1);
    OpBuffers& ids = arena.ops[i];
    for (size_t k = 0; k < op.inputs.size() && k < 2; ++k) ids.input[k] = buffer_of[static_cast<size_t>(op.inputs[k] + 1)];
    ids.output = static_cast<uint16_t>(arena.buffers.size());
    buffer_of[i + 1] = ids.output;
    arena.buffers.push_back({output_bytes(op, bits[i].output_bits), step, last_step[i + 1], 0});
    arena.scratch[i] = op_scratch_bytes(op, bits[i]);
    if (arena.scratch[i] > 0) {
      ids.scratch = static_cast<uint16_t>(arena.buffers.size());
      arena.buffers.push_back({arena.scratch[i], step, step, 0});
    }
  }

  const uint16_t count = static_cast<uint16_t>(arena.buffers.size());
  std::vector<uint16_t> order(count);
  const rt::PlanStatus status = rt::plan_arena(arena.buffers.data(), count, kArenaAlignment, order.data(), &arena.arena_bytes);
  require(status == rt::PlanStatus::ok, "memory model: plan_arena refused the buffer list");
  arena.lower_bound = rt::arena_lower_bound(arena.buffers.data(), count, kArenaAlignment);
  return arena;
}

}  // namespace mpq
