#include "libmpq/mcu/plan_model_arena.hpp"

#include <string>

#include "libmpq/core/error.hpp"
#include "libmpq/runtime/op_requirements.hpp"

namespace mpq {

namespace {

uint32_t positive_bytes(int32_t bytes, size_t op, const char* what) {
  require(bytes > 0, "memory model: op " + std::to_string(op) + " " + what + " is too large for a 32-bit arena");
  return static_cast<uint32_t>(bytes);
}

}  // namespace

ModelArena plan_model_arena(const std::vector<rt::OpRecord>& records) {
  const size_t n = records.size();
  require(n > 0 && records[0].input_buffer == 0, "memory model: the first op must read the network input");
  // Steps and buffer ids are u16 in the blob; kNoBuffer is reserved.
  require(n + 1 < kNoBuffer && 2 * n + 1 < kNoBuffer,
          "memory model: " + std::to_string(n) + " ops is more than the blob's 16-bit step and buffer ids hold");

  ModelArena arena;
  arena.ops.resize(n);
  arena.scratch.resize(n);
  const rt::OpRecord& first = records[0];
  const int32_t input_bytes = rt::activation_buffer_bytes(first.in_h, first.in_w, first.in_c, 8);
  require(input_bytes > 0, "memory model: the network input is too large for a 32-bit arena");
  arena.buffers.push_back({static_cast<uint32_t>(input_bytes), 0, 0, 0});
  for (size_t i = 0; i < n; ++i) {
    const rt::OpRecord& r = records[i];
    const uint16_t step = static_cast<uint16_t>(i + 1);
    OpBuffers& ids = arena.ops[i];
    ids.input[0] = r.input_buffer;
    ids.input[1] = r.input2_buffer;
    for (uint16_t in : ids.input) {
      if (in == kNoBuffer) continue;
      require(in < arena.buffers.size(), "memory model: op " + std::to_string(i) + " reads a later buffer");
      arena.buffers[in].last_step = step;
    }
    const rt::OpRequirements needs = rt::op_requirements(r);
    require(needs.status == kernels::Status::ok, "memory model: op " + std::to_string(i) + " cannot run on " +
                                                     rt::op_kernel_name(needs.kernel) + " (" +
                                                     kernels::status_name(needs.status) + ")");
    require(r.output_buffer == arena.buffers.size(), "memory model: op " + std::to_string(i) +
                                                         " output buffer id breaks the buffer table's order");
    ids.output = r.output_buffer;
    arena.buffers.push_back({positive_bytes(needs.output_bytes, i, "output"), step, step, 0});
    arena.scratch[i] = static_cast<uint32_t>(needs.scratch_bytes);
    require((needs.scratch_bytes > 0) == (r.scratch_buffer != kNoBuffer) &&
                (r.scratch_buffer == kNoBuffer || r.scratch_buffer == arena.buffers.size()),
            "memory model: op " + std::to_string(i) + " scratch buffer id breaks the buffer table's order");
    if (needs.scratch_bytes > 0) {
      ids.scratch = r.scratch_buffer;
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
