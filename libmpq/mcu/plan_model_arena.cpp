#include "libmpq/mcu/plan_model_arena.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "libmpq/core/error.hpp"
#include "libmpq/mcu/one_chunk_scratch.hpp"
#include "libmpq/runtime/op_requirements.hpp"

namespace mpq {

namespace {

uint32_t positive_bytes(int32_t bytes, size_t op, const char* what) {
  require(bytes > 0, "memory model: op " + std::to_string(op) + " " + what + " is too large for a 32-bit arena");
  return static_cast<uint32_t>(bytes);
}

}  // namespace

std::vector<uint8_t> encoded_records(const std::vector<rt::OpRecord>& records) {
  std::vector<uint8_t> bytes(records.size() * blob::kOpRecordBytes);
  for (size_t i = 0; i < records.size(); ++i) rt::encode_op_record(records[i], bytes.data() + i * blob::kOpRecordBytes);
  return bytes;
}

namespace {

// The stage's per-tile sizes, or Error naming the op the runtime would refuse.
rt::PatchBuffers stage_buffers(const std::vector<rt::OpRecord>& records, rt::PatchStage patch) {
  const std::vector<uint8_t> bytes = encoded_records(records);
  uint16_t bad_op = 0;
  const std::string where = "patch stage [" + std::to_string(patch.first_op) + ", " + std::to_string(patch.end_op()) +
                            ") grid " + std::to_string(patch.grid) + ": op ";
  // The status first: require's arguments are evaluated in no set order, and bad_op is an output.
  const rt::Status checked = rt::check_patch_stage(bytes.data(), static_cast<uint16_t>(records.size()), patch, &bad_op);
  require(!patch.stream_input || patch.first_op == 0,
          where + "a streamed input needs a stage from op 0 (the network input is the stage's input)");
  if (checked != rt::Status::ok && patch.stream_input) {
    rt::PatchStage whole = patch;
    whole.stream_input = false;
    require(rt::check_patch_stage(bytes.data(), static_cast<uint16_t>(records.size()), whole, nullptr) != rt::Status::ok,
            where + std::to_string(bad_op) + " reads the network input after the stage: a streamed input exists "
                                             "only window by window inside it");
  }
  require(checked == rt::Status::ok,
          where + std::to_string(bad_op) +
              " cannot be in it (only conv, depthwise and add ops reading the stage input or earlier stage ops, "
              "whose inner outputs nothing after the stage reads: both branches of an add inside it, with a grid "
              "no larger than the stage output)");
  rt::PatchBuffers sizes;
  const rt::Status sized = rt::patch_stage_buffers(bytes.data(), patch, &sizes, &bad_op);
  require(sized != rt::Status::bad_patch_stage,
          where + std::to_string(bad_op) +
              " reads a smaller window of its input than another reader in the stage (a residual add) needs");
  require(sized == rt::Status::ok, where + std::to_string(bad_op) + " has a tile its kernel refuses");
  return sizes;
}

}  // namespace

namespace {

// best_pairs' trial arenas. The records are encoded once and a trial re-encodes only the
// ops it flags; a trial whose merged buffer list's lower bound already settles the
// comparison its caller makes is not planned (plan_arena never goes below
// arena_lower_bound), so the choice is the one full plans of every trial would make.
class PairTrials {
 public:
  PairTrials(const std::vector<rt::OpRecord>& records, rt::PatchStage patch, const std::vector<rt::ArenaBuffer>& buffers)
      : records_(records), bytes_(encoded_records(records)), patch_(patch), buffers_(buffers),
        merged_(buffers.size()), order_(buffers.size()) {}

  // The arena with `ops` in place, or `limit` when it is at least `limit` and the bound
  // shows it without planning.
  uint32_t arena(const std::vector<uint16_t>& ops, uint32_t limit = UINT32_MAX) {
    flag(ops, true);
    merged_ = buffers_;
    const uint16_t count = static_cast<uint16_t>(merged_.size());
    const uint16_t n = static_cast<uint16_t>(records_.size());
    rt::PlanStatus status = rt::merge_inplace_pairs(bytes_.data(), n, patch_, merged_.data(), count, kArenaAlignment);
    flag(ops, false);
    uint32_t arena = limit;
    if (status == rt::PlanStatus::ok && rt::arena_lower_bound(merged_.data(), count, kArenaAlignment) < limit)
      status = rt::plan_arena(merged_.data(), count, kArenaAlignment, order_.data(), &arena);
    require(status == rt::PlanStatus::ok, "memory model: plan_arena refused the buffer list");
    return arena;
  }

 private:
  void flag(const std::vector<uint16_t>& ops, bool in_place) {
    for (uint16_t i : ops) {
      rt::OpRecord r = records_[i];
      if (in_place) r.flags |= blob::kOpFlagInPlace;
      rt::encode_op_record(r, bytes_.data() + size_t{i} * blob::kOpRecordBytes);
    }
  }

  const std::vector<rt::OpRecord>& records_;  // without the in-place flag
  std::vector<uint8_t> bytes_;
  rt::PatchStage patch_;
  const std::vector<rt::ArenaBuffer>& buffers_;
  std::vector<rt::ArenaBuffer> merged_;
  std::vector<uint16_t> order_;
};

// The op whose output op `op` reads (its first input), or kNoBuffer (the network input).
uint16_t producer_op(const std::vector<rt::OpRecord>& records, uint16_t op) {
  for (uint16_t j = 0; j < op; ++j)
    if (records[j].output_buffer == records[op].input_buffer) return j;
  return kNoBuffer;
}

// InplaceDepthwise::best's choice among `eligible` (increasing).
std::vector<uint16_t> best_pairs(const std::vector<rt::OpRecord>& records, const std::vector<uint16_t>& eligible,
                                 rt::PatchStage patch, const std::vector<rt::ArenaBuffer>& buffers) {
  PairTrials trials(records, patch, buffers);
  auto without = [](std::vector<uint16_t> ops, uint16_t op) {
    ops.erase(std::find(ops.begin(), ops.end(), op));
    return ops;
  };
  // From all: a pair whose removal does not grow the arena goes (it costs its lag before
  // the depthwise step, where the producer's step may be the peak).
  std::vector<uint16_t> removing = eligible;
  uint32_t removing_arena = trials.arena(removing);
  for (uint16_t op : eligible) {
    const std::vector<uint16_t> fewer = without(removing, op);
    const uint32_t arena = trials.arena(fewer, removing_arena + 1);  // more: kept
    if (arena <= removing_arena) {
      removing = fewer;
      removing_arena = arena;
    }
  }
  // From none: a pair that shrinks the arena stays. A pair alone may not, where its
  // buffer (from its input's first step) meets its input's producer's input at the
  // producer's step: then the pair with its producer's pair, chained, is tried too
  // (pointwise after depthwise and back; with depthwise pairs only, a producer is never
  // a candidate).
  auto is_eligible = [&](uint16_t op) { return std::binary_search(eligible.begin(), eligible.end(), op); };
  std::vector<uint16_t> adding;
  uint32_t adding_arena = trials.arena(adding);
  for (uint16_t op : eligible) {
    std::vector<uint16_t> more = adding;
    more.insert(std::upper_bound(more.begin(), more.end(), op), op);
    uint32_t arena = trials.arena(more, adding_arena);  // as much or more: left out
    const uint16_t producer = producer_op(records, op);
    if (arena >= adding_arena && producer != kNoBuffer && is_eligible(producer) &&
        !std::binary_search(more.begin(), more.end(), producer)) {
      more.insert(std::upper_bound(more.begin(), more.end(), producer), producer);
      arena = trials.arena(more, adding_arena);
    }
    if (arena < adding_arena) {
      adding = more;
      adding_arena = arena;
    }
  }
  return removing_arena < adding_arena ? removing : adding;
}

// best_pairs remembered by records (their encoding without the flag, which holds every
// field the choice depends on) and stage: the search's budget check plans a policy's arena
// with the same records several times (the stageless arena, then arena_without_stage
// compares with it; the chosen stage again), and mpq memory resolves a request with and
// without the streamed input. A few thousand entries of a few KiB; cleared when full.
std::vector<uint16_t> remembered_best_pairs(const std::vector<rt::OpRecord>& records,
                                            const std::vector<uint16_t>& eligible, rt::PatchStage patch,
                                            const std::vector<rt::ArenaBuffer>& buffers, InplaceKinds kinds,
                                            const std::vector<uint16_t>& depthwise_eligible) {
  static std::mutex mutex;
  static std::map<std::string, std::vector<uint16_t>> known;
  const std::vector<uint8_t> bytes = encoded_records(records);
  std::string key(bytes.begin(), bytes.end());
  key += std::to_string(static_cast<int>(kinds)) + ";";
  for (uint32_t v : {uint32_t{patch.first_op}, uint32_t{patch.op_count}, uint32_t{patch.grid},
                     uint32_t{patch.stream_input}})
    key += std::to_string(v) + ",";
  {
    const std::lock_guard<std::mutex> lock(mutex);
    const auto it = known.find(key);
    if (it != known.end()) return it->second;
  }
  std::vector<uint16_t> pairs = best_pairs(records, eligible, patch, buffers);
  if (kinds == InplaceKinds::all) {
    // Never more RAM than --inplace depthwise: its choice is a third candidate (the greedy
    // passes over more ops may end elsewhere). Ties keep the passes' choice.
    const std::vector<uint16_t> depthwise =
        remembered_best_pairs(records, depthwise_eligible, patch, buffers, InplaceKinds::depthwise, {});
    PairTrials trials(records, patch, buffers);
    if (trials.arena(depthwise) < trials.arena(pairs)) pairs = depthwise;
  }
  const std::lock_guard<std::mutex> lock(mutex);
  if (known.size() >= 4096) known.clear();
  known.emplace(std::move(key), pairs);
  return pairs;
}

}  // namespace

namespace {

// The records without the flags plan_model_arena sets: in place and one-chunk scratch.
std::vector<rt::OpRecord> without_planner_flags(std::vector<rt::OpRecord> records) {
  const uint8_t planner_flags = blob::kOpFlagInPlace | blob::kOpFlagOneChunk;
  for (rt::OpRecord& r : records) r.flags = static_cast<uint8_t>(r.flags & ~planner_flags);
  return records;
}

// The buffer table of `records` (unflagged) with `patch`, unplaced (offsets 0).
ModelArena buffer_table(const std::vector<rt::OpRecord>& records, rt::PatchStage patch) {
  const size_t n = records.size();
  require(n > 0 && records[0].input_buffer == 0, "memory model: the first op must read the network input");
  // Steps and buffer ids are u16 in the blob; kNoBuffer is reserved.
  require(n + 1 < kNoBuffer && 2 * n + 1 < kNoBuffer,
          "memory model: " + std::to_string(n) + " ops is more than the blob's 16-bit step and buffer ids hold");

  require(!patch.stream_input || patch.present(), "memory model: a streamed input needs a patch stage from op 0");
  ModelArena arena;
  arena.patch = patch;
  const rt::PatchBuffers tiles = patch.present() ? stage_buffers(records, patch) : rt::PatchBuffers{};
  arena.ops.resize(n);
  arena.scratch.resize(n);
  const rt::OpRecord& first = records[0];
  const int32_t input_bytes = rt::activation_buffer_bytes(first.in_h, first.in_w, first.in_c, 8);
  require(input_bytes > 0, "memory model: the network input is too large for a 32-bit arena");
  // A streamed input is read window by window into the stage's window buffer: buffer 0
  // keeps its place in the table (ids and lifetimes as without streaming) but no byte.
  // stage_buffers has checked the stage starts at op 0 and nothing after it reads the input.
  arena.buffers.push_back({patch.stream_input ? 0u : static_cast<uint32_t>(input_bytes), 0, 0, 0});
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
    int32_t output_bytes = needs.output_bytes, scratch_bytes = needs.scratch_bytes;
    uint16_t first_step = step;
    if (patch.contains(static_cast<uint32_t>(i))) {
      // The rule load_model checks (validate_buffer_table.cpp): inner outputs are tiles,
      // the stage output is whole from the stage's first step, scratch is per tile.
      const size_t k = i - patch.first_op;
      scratch_bytes = static_cast<int32_t>(tiles.scratch_bytes[k]);
      if (k + 1 < patch.op_count)
        output_bytes = static_cast<int32_t>(tiles.tile_bytes[k]);
      else
        first_step = static_cast<uint16_t>(patch.first_op + 1);
    }
    arena.buffers.push_back({positive_bytes(output_bytes, i, "output"), first_step, step, 0});
    arena.scratch[i] = static_cast<uint32_t>(scratch_bytes);
    require((scratch_bytes > 0) == (r.scratch_buffer != kNoBuffer) &&
                (r.scratch_buffer == kNoBuffer || r.scratch_buffer == arena.buffers.size()),
            "memory model: op " + std::to_string(i) + " scratch buffer id breaks the buffer table's order");
    if (scratch_bytes > 0) {
      ids.scratch = r.scratch_buffer;
      arena.buffers.push_back({arena.scratch[i], step, step, 0});
    }
  }

  if (patch.present()) {
    // Every tile reads the stage input: it lives until the stage's last step.
    rt::ArenaBuffer& input = arena.buffers[records[patch.first_op].input_buffer];
    const uint16_t end_step = static_cast<uint16_t>(patch.end_op());
    if (input.last_step < end_step) input.last_step = end_step;
    const uint16_t first_step = static_cast<uint16_t>(patch.first_op + 1);
    // The window lives until the stage's last reader of the stage input (an add's skip).
    const std::vector<uint8_t> bytes = encoded_records(records);
    const uint16_t window_last = static_cast<uint16_t>(rt::patch_input_last_reader(bytes.data(), patch) + 1u);
    arena.buffers.push_back({tiles.window_bytes, first_step, window_last, 0});
    arena.buffers.push_back({tiles.tile_bytes[patch.op_count - 1], end_step, end_step, 0});
  }
  return arena;
}

// The ops of `records` (unflagged) of `kinds` that may run in place with the table `buffers`.
std::vector<uint16_t> eligible_ops(const std::vector<rt::OpRecord>& records, rt::PatchStage patch,
                                   const std::vector<rt::ArenaBuffer>& buffers, InplaceKinds kinds) {
  std::vector<uint16_t> eligible;
  if (kinds == InplaceKinds::none) return eligible;
  const std::vector<uint8_t> bytes = encoded_records(records);
  const auto rule = kinds == InplaceKinds::all ? rt::inplace_eligible : rt::inplace_depthwise_eligible;
  for (uint16_t i = 0; i < records.size(); ++i) {
    const uint16_t in = records[i].input_buffer;
    if (in < buffers.size() && rule(bytes.data(), i, patch, buffers[in].last_step)) eligible.push_back(i);
  }
  return eligible;
}

}  // namespace

ModelArena plan_model_arena(const std::vector<rt::OpRecord>& input_records, rt::PatchStage patch,
                            InplaceDepthwise inplace, InplaceKinds kinds) {
  std::vector<rt::OpRecord> records = without_planner_flags(input_records);
  const size_t n = records.size();
  ModelArena arena = buffer_table(records, patch);
  const std::vector<uint16_t> eligible =
      inplace == InplaceDepthwise::off ? std::vector<uint16_t>{} : eligible_ops(records, patch, arena.buffers, kinds);
  const std::vector<uint16_t> depthwise_eligible =
      inplace == InplaceDepthwise::best && kinds == InplaceKinds::all
          ? eligible_ops(records, patch, arena.buffers, InplaceKinds::depthwise)
          : std::vector<uint16_t>{};
  arena.inplace_ops = inplace == InplaceDepthwise::best
                          ? remembered_best_pairs(records, eligible, patch, arena.buffers, kinds, depthwise_eligible)
                          : eligible;
  // The placement load_model re-plans a blob with these flags with.
  for (uint16_t i : arena.inplace_ops) records[i].flags |= blob::kOpFlagInPlace;
  arena.arena_bytes = place_buffers(records, patch, &arena.buffers);
  grant_one_chunk_scratch(&records, &arena);
  // With pairs, the bound is that of the merged list (a pair's two buffers share bytes).
  const uint16_t count = static_cast<uint16_t>(arena.buffers.size());
  std::vector<rt::ArenaBuffer> bound = arena.buffers;
  rt::merge_inplace_pairs(encoded_records(records).data(), static_cast<uint16_t>(n), patch, bound.data(), count,
                          kArenaAlignment);
  arena.lower_bound = rt::arena_lower_bound(bound.data(), count, kArenaAlignment);
  return arena;
}

uint32_t place_buffers(const std::vector<rt::OpRecord>& records, rt::PatchStage patch,
                       std::vector<rt::ArenaBuffer>* buffers) {
  std::vector<uint16_t> order(buffers->size());
  uint32_t arena_bytes = 0;
  const rt::PlanStatus status =
      rt::plan_arena_inplace(encoded_records(records).data(), static_cast<uint16_t>(records.size()), patch,
                             buffers->data(), static_cast<uint16_t>(buffers->size()), kArenaAlignment, order.data(),
                             &arena_bytes);
  require(status == rt::PlanStatus::ok, "memory model: plan_arena refused the buffer list");
  return arena_bytes;
}

uint32_t inplace_arena_lower_bound(const std::vector<rt::OpRecord>& input_records, rt::PatchStage patch,
                                   InplaceKinds kinds) {
  const std::vector<rt::OpRecord> records = without_planner_flags(input_records);
  const std::vector<rt::ArenaBuffer> plain = buffer_table(records, patch).buffers;
  const std::vector<uint16_t> eligible = eligible_ops(records, patch, plain, kinds);
  auto aligned = [](uint64_t bytes) { return (bytes + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment; };
  auto live = [&](const rt::ArenaBuffer& b, uint32_t step) {
    return b.first_step <= step && step <= b.last_step ? aligned(b.size) : 0u;
  };
  // Per step, every buffer's live bytes; at a candidate's own step (the only one where its
  // input and output are both live: the input ends there, the output starts there) the
  // two count as the smaller of their sum and the pair's extent. Any buffer a choice merges
  // (a pair, or a chain of them) is at least as large as each tensor in it and as each of
  // its pairs' extents, over the union of their lifetimes, and holds two live tensors only
  // at such a step: so no choice goes below this.
  uint32_t last = 0;
  for (const rt::ArenaBuffer& b : plain) last = std::max<uint32_t>(last, b.last_step);
  std::vector<uint64_t> bytes(last + 1, 0);
  for (const rt::ArenaBuffer& b : plain)
    for (uint32_t step = b.first_step; step <= b.last_step; ++step) bytes[step] += aligned(b.size);
  for (uint16_t i : eligible) {
    const uint32_t step = i + 1u;
    const rt::ArenaBuffer& in = plain[records[i].input_buffer];
    const rt::ArenaBuffer& out = plain[records[i].output_buffer];
    const uint64_t lag = aligned(static_cast<uint32_t>(rt::inplace_lag(records[i])));
    const uint64_t pair = aligned(std::max<uint64_t>(lag + in.size, out.size));
    const uint64_t both = live(in, step) + live(out, step);
    if (pair < both) bytes[step] -= both - pair;
  }
  uint64_t peak = 0;
  for (uint64_t b : bytes) peak = std::max(peak, b);
  return static_cast<uint32_t>(peak);
}

}  // namespace mpq
