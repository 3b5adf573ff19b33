#include "libmpq/kernels/packing.hpp"
#include "libmpq/runtime/detail/blob_context.hpp"
#include "libmpq/runtime/buffer_record.hpp"
#include "libmpq/runtime/inplace_pairs.hpp"
#include "libmpq/runtime/op_requirements.hpp"
#include "libmpq/runtime/patch_stage.hpp"
#include "libmpq/runtime/plan_arena.hpp"

namespace mpq::rt::detail {

namespace {

ArenaBuffer read_buffer(const BlobContext& ctx, uint32_t id) { return decode_buffer_record(ctx.buffer(id)); }

// The step of the last op reading buffer `id` (op i runs at step i + 1), or `none`.
uint16_t last_reader_step(const BlobContext& ctx, uint16_t id, uint16_t none) {
  uint16_t last = none;
  for (uint16_t i = 0; i < ctx.op_count; ++i) {
    const OpRecord r = decode_op_record(ctx.record(i));
    if (r.input_buffer == id || r.input2_buffer == id)
      last = static_cast<uint16_t>(i + 1);
  }
  return last;
}

// `size` 0 only for a streamed input's buffer 0 (its caller says so); any other empty
// buffer would be a tensor or scratch too large to size.
Status check_buffer(const BlobContext& ctx, uint16_t id, int32_t size, uint16_t first_step, uint16_t last_step,
                    LoadError* error, bool may_be_empty = false) {
  const ArenaBuffer b = read_buffer(ctx, id);
  Status s = Status::ok;
  if (size < 0 || (size == 0 && !may_be_empty) || b.size != static_cast<uint32_t>(size))
    s = Status::buffer_size_mismatch;
  else if (b.first_step != first_step || b.last_step != last_step)
    s = Status::buffer_table_mismatch;
  if (s != Status::ok && error != nullptr) error->buffer = id;
  return s;
}

// A stage's per-tile sizes (zero without a stage), computed once per load.
struct StageRule {
  PatchStage stage;
  PatchBuffers sizes;
  uint16_t input_buffer = blob::kNoBuffer;  // the stage input, read by every tile
  bool contains(uint32_t op) const { return stage.contains(op); }
  uint16_t end_step() const { return static_cast<uint16_t>(stage.end_op()); }
};

// The table's rule (libmpq/quant's op_records numbers it, libmpq/mcu's plan_model_arena
// sizes it): buffer 0 is the 8-bit input, then per op its output, then its scratch when
// the fast kernel needs any (for a stage op: on any tile), then with a stage its window
// and tile buffers.
Status check_ids(const BlobContext& ctx, const StageRule& rule, LoadError* error) {
  uint32_t next = 1;
  for (uint16_t i = 0; i < ctx.op_count; ++i) {
    const OpRecord op = decode_op_record(ctx.record(i));
    // A stage op's scratch is per tile (patch_stage_buffers): the flag has no meaning there.
    if (rule.contains(i) && (op.flags & blob::kOpFlagOneChunk) != 0) {
      if (error != nullptr) error->op = i;
      return Status::bad_op_field;
    }
    const int32_t scratch = rule.contains(i) ? static_cast<int32_t>(rule.sizes.scratch_bytes[i - rule.stage.first_op])
                                             : op_requirements(op).scratch_bytes;
    bool ok = op.output_buffer == next++;
    if (scratch > 0)
      ok = ok && op.scratch_buffer == next++;
    else
      ok = ok && op.scratch_buffer == blob::kNoBuffer;
    if (!ok) {
      if (error != nullptr) error->op = i;
      return Status::buffer_table_mismatch;
    }
  }
  if (rule.stage.present()) next += 2;
  return next == ctx.buffer_count ? Status::ok : Status::buffer_table_mismatch;
}

// Every tile reads the stage input, so it lives until the stage's last step.
uint16_t input_last_step(const StageRule& rule, uint16_t id, uint16_t last) {
  return id == rule.input_buffer && rule.end_step() > last ? rule.end_step() : last;
}

Status check_sizes_and_lifetimes(const BlobContext& ctx, const StageRule& rule, LoadError* error) {
  // A streamed input (load_model saw buffer 0 empty beside a stage, which check_patch_stage
  // admitted: from op 0, read by nothing after it) keeps its lifetime and holds no byte.
  const bool streamed = rule.stage.stream_input;
  const int32_t input_bytes = streamed ? 0 : activation_buffer_bytes(ctx.input_h, ctx.input_w, ctx.input_c, 8);
  Status s = check_buffer(ctx, 0, input_bytes, 0, input_last_step(rule, 0, last_reader_step(ctx, 0, 0)), error,
                          streamed);
  for (uint16_t i = 0; i < ctx.op_count && s == Status::ok; ++i) {
    const OpRecord op = decode_op_record(ctx.record(i));
    const OpRequirements needs = op_requirements(op);
    const uint16_t step = static_cast<uint16_t>(i + 1);
    int32_t output_bytes = needs.output_bytes, scratch_bytes = needs.scratch_bytes;
    uint16_t first = step;
    const uint16_t last = input_last_step(rule, op.output_buffer, last_reader_step(ctx, op.output_buffer, step));
    if (rule.contains(i)) {
      // Inside a stage an output is one tile, live while its op and the next run on it;
      // the stage output is whole and filled from the stage's first step on.
      const uint32_t k = i - rule.stage.first_op;
      scratch_bytes = static_cast<int32_t>(rule.sizes.scratch_bytes[k]);
      if (k + 1 < rule.stage.op_count)
        output_bytes = static_cast<int32_t>(rule.sizes.tile_bytes[k]);
      else
        first = static_cast<uint16_t>(rule.stage.first_op + 1u);
    }
    s = check_buffer(ctx, op.output_buffer, output_bytes, first, last, error);
    if (s == Status::ok && op.scratch_buffer != blob::kNoBuffer)
      s = check_buffer(ctx, op.scratch_buffer, scratch_bytes, step, step, error);
    if (s != Status::ok && error != nullptr) error->op = i;
  }
  if (s == Status::ok && rule.stage.present()) {
    const uint16_t first_step = static_cast<uint16_t>(rule.stage.first_op + 1u);
    const uint16_t window_last = static_cast<uint16_t>(patch_input_last_reader(ctx.record(0), rule.stage) + 1u);
    s = check_buffer(ctx, static_cast<uint16_t>(ctx.buffer_count - 2u), static_cast<int32_t>(rule.sizes.window_bytes),
                     first_step, window_last, error);
    if (s == Status::ok)
      s = check_buffer(ctx, static_cast<uint16_t>(ctx.buffer_count - 1u),
                       static_cast<int32_t>(rule.sizes.tile_bytes[rule.stage.op_count - 1u]), rule.end_step(),
                       rule.end_step(), error);
  }
  return s;
}

// An op flagged in place (blob::kOpFlagInPlace, only on depthwise and conv records:
// validate_op) must be eligible (a conv only when the pointwise kernel runs it); its input's last step is the table's, which check_sizes_and_lifetimes has
// checked against the ops.
Status check_inplace_ops(const BlobContext& ctx, LoadError* error) {
  for (uint16_t i = 0; i < ctx.op_count; ++i) {
    const OpRecord op = decode_op_record(ctx.record(i));
    if ((op.flags & blob::kOpFlagInPlace) == 0) continue;
    const bool eligible = op.input_buffer < ctx.buffer_count && op.output_buffer < ctx.buffer_count &&
                          inplace_eligible(ctx.record(0), i, ctx.patch,
                                                     read_buffer(ctx, op.input_buffer).last_step);
    if (!eligible) {
      if (error != nullptr) error->op = i;
      return Status::bad_op_field;
    }
  }
  return Status::ok;
}

// The arena of the same ops layer by layer: the table plan_model_arena makes without a
// stage (every output whole, every fast kernel's whole scratch, depthwise at its least:
// as if no op were flagged blob::kOpFlagOneChunk), planned like the stored one. 0 when
// that table cannot even be planned in 32 bits (then any stage saves RAM).
uint32_t layer_by_layer_arena(const BlobContext& ctx, uint32_t alignment, void* scratch) {
  ArenaBuffer* buffers = static_cast<ArenaBuffer*>(scratch);
  uint32_t count = 0;
  const int32_t input_bytes = activation_buffer_bytes(ctx.input_h, ctx.input_w, ctx.input_c, 8);
  buffers[count++] = {static_cast<uint32_t>(input_bytes), 0, last_reader_step(ctx, 0, 0), 0};
  for (uint16_t i = 0; i < ctx.op_count; ++i) {
    OpRecord op = decode_op_record(ctx.record(i));
    op.flags = static_cast<uint8_t>(op.flags & ~blob::kOpFlagOneChunk);  // the least scratch, as the host's rule
    const OpRequirements needs = op_requirements(op);
    const uint16_t step = static_cast<uint16_t>(i + 1);
    if (needs.output_bytes <= 0 || needs.scratch_bytes < 0) return 0;
    const uint16_t last = last_reader_step(ctx, op.output_buffer, step);
    buffers[count++] = {static_cast<uint32_t>(needs.output_bytes), step, last, 0};
    if (needs.scratch_bytes > 0) buffers[count++] = {static_cast<uint32_t>(needs.scratch_bytes), step, step, 0};
  }
  // A stage replaces at most two buffers (window, tile) by per-op whole scratch: count <=
  // buffer_count + patch op_count, what load_scratch_bytes reserves.
  uint32_t arena = 0;
  if (count >= kNoOp) return 0;
  uint16_t* order = reinterpret_cast<uint16_t*>(buffers + count);
  return plan_arena(buffers, static_cast<uint16_t>(count), alignment, order, &arena) == PlanStatus::ok ? arena : 0;
}

}  // namespace

Status check_patch_stage_saves_ram(const BlobContext& ctx, uint32_t arena_bytes, uint32_t alignment, void* scratch,
                                   LoadError* error) {
  if (!ctx.patch.present()) return Status::ok;
  const uint32_t without = layer_by_layer_arena(ctx, alignment, scratch);
  if (without == 0 || arena_bytes <= without) return Status::ok;
  if (error != nullptr) error->op = static_cast<uint16_t>(ctx.patch.end_op() - 1u);
  return Status::patch_stage_costs_ram;
}

Status validate_buffer_table(const BlobContext& ctx, uint32_t arena_bytes, uint32_t alignment, void* scratch,
                             LoadError* error) {
  StageRule rule;
  rule.stage = ctx.patch;
  if (rule.stage.present()) {
    uint16_t bad_op = kNoOp;
    const Status sized = patch_stage_buffers(ctx.record(0), rule.stage, &rule.sizes, &bad_op);
    if (sized != Status::ok) {
      if (error != nullptr) error->op = bad_op;
      return sized;
    }
    rule.input_buffer = decode_op_record(ctx.record(rule.stage.first_op)).input_buffer;
  }
  Status s = check_ids(ctx, rule, error);
  if (s == Status::ok) s = check_sizes_and_lifetimes(ctx, rule, error);
  if (s != Status::ok) return s;
  s = check_inplace_ops(ctx, error);
  if (s != Status::ok) return s;
  // Re-run the planner on a copy of the table; the stored placement must be its result.
  ArenaBuffer* planned = static_cast<ArenaBuffer*>(scratch);
  uint16_t* order = reinterpret_cast<uint16_t*>(planned + ctx.buffer_count);
  for (uint16_t b = 0; b < ctx.buffer_count; ++b) {
    planned[b] = read_buffer(ctx, b);
    planned[b].offset = 0;
  }
  uint32_t planned_arena = 0;
  if (plan_arena_inplace(ctx.record(0), ctx.op_count, ctx.patch, planned, ctx.buffer_count, alignment, order,
                         &planned_arena) != PlanStatus::ok)
    return Status::plan_mismatch;
  for (uint16_t b = 0; b < ctx.buffer_count; ++b) {
    if (planned[b].offset != read_buffer(ctx, b).offset) {
      if (error != nullptr) error->buffer = b;
      return Status::plan_mismatch;
    }
  }
  return planned_arena == arena_bytes ? Status::ok : Status::plan_mismatch;
}

}  // namespace mpq::rt::detail
