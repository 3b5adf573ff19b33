#include "libmpq/mcu/memory_model.hpp"

#include <algorithm>

#include "libmpq/mcu/patch_plan.hpp"

namespace mpq {

namespace {

uint32_t aligned(uint32_t bytes) { return (bytes + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment; }

}  // namespace

MemoryReport memory_report(const std::vector<rt::OpRecord>& records, rt::PatchStage patch, InplaceKinds inplace) {
  return memory_report(blob_layout(records, patch,
                                   inplace == InplaceKinds::none ? InplaceDepthwise::off : InplaceDepthwise::best,
                                   inplace));
}

MemoryReport memory_report(const BlobLayout& layout) {
  const ModelArena& arena = layout.arena;
  const auto& buffers = arena.buffers;
  MemoryReport r;
  r.flash_bytes = r.model_flash_bytes = layout.total_bytes;
  r.ram_bytes = arena.arena_bytes;
  r.ram_lower_bound = arena.lower_bound;
  r.input_bytes = buffers[0].size;
  // The stage's window and tile buffer records (the last two) belong to no op: fixed.
  const size_t op_buffers = buffers.size() - 1 - (arena.patch.present() ? 2 : 0);
  r.fixed_flash_bytes = layout.data_offset - layout.ops_bytes - static_cast<uint32_t>(blob::kBufferRecordBytes * op_buffers);
  r.patch = arena.patch;
  r.macs = model_macs(layout.records);
  r.patched_macs = patched_macs(layout.records, arena.patch);
  r.ops.resize(layout.records.size());
  uint32_t best_live = 0;
  for (size_t i = 0; i < layout.records.size(); ++i) {
    const rt::OpRecord& op = layout.records[i];
    const OpSections& s = layout.ops[i];
    const OpBuffers& ids = arena.ops[i];
    OpMemory& m = r.ops[i];
    m.kind = op.kind;
    m.weight_bits = op.weight_bits;
    m.input_bits = op.input_bits;
    m.output_bits = op.output_bits;
    m.weight_bytes = s.weights_padded_bytes;
    const uint32_t own_buffers = ids.scratch == kNoBuffer ? 1 : 2;
    m.param_bytes = s.channel_params_bytes() + blob::kOpRecordBytes + own_buffers * blob::kBufferRecordBytes;
    for (uint16_t in : ids.input)
      if (in != kNoBuffer) m.input_bytes += buffers[in].size;
    m.output_bytes = buffers[ids.output].size;
    m.scratch_bytes = arena.scratch[i];
    const uint32_t step = static_cast<uint32_t>(i + 1);
    for (const rt::ArenaBuffer& b : buffers) {
      if (b.first_step > step || step > b.last_step) continue;
      m.live_bytes += aligned(b.size);
      m.arena_top = std::max(m.arena_top, b.offset + aligned(b.size));
    }
    m.peak = m.arena_top == r.ram_bytes;
    if (m.peak && (r.peak_op < 0 || m.live_bytes > best_live)) {
      r.peak_op = static_cast<int>(i);
      best_live = m.live_bytes;
    }
    r.naive_ram_bytes = std::max(r.naive_ram_bytes, m.input_bytes + m.output_bytes);
  }
  return r;
}

}  // namespace mpq
