#include "libmpq/runtime/inplace_pairs.hpp"

#include "libmpq/kernels/packing.hpp"
#include "libmpq/runtime/inplace_pointwise.hpp"
#include "libmpq/runtime/op_requirements.hpp"

namespace mpq::rt {

namespace {

constexpr int64_t kReadsNothing = INT64_MAX;

uint32_t align_up(uint32_t v, uint32_t a) { return (v + a - 1) & ~(a - 1); }

// The first input byte output pixel (y, x) reads: its window's first inside row and column
// (the kernels read every tap's pixel from its first byte on), or kReadsNothing when the
// window lies wholly in the padding.
int64_t first_byte_read(const OpRecord& r, const RecordWindow& w, int32_t in_pixel, int32_t y, int32_t x) {
  const int32_t top = y * w.stride_h - w.pad_top, left = x * w.stride_w - w.pad_left;
  const int32_t row = top < 0 ? 0 : top, col = left < 0 ? 0 : left;
  if (row >= r.in_h || row >= top + w.kernel_h || col >= r.in_w || col >= left + w.kernel_w) return kReadsNothing;
  return (static_cast<int64_t>(row) * r.in_w + col) * in_pixel;
}

OpRecord record_at(const uint8_t* records, uint32_t op) { return decode_op_record(records + op * blob::kOpRecordBytes); }

}  // namespace

int32_t inplace_depthwise_lag(const OpRecord& r) {
  if (r.kind != blob::op_kind::depthwise) return -1;
  if (!kernels::is_valid_bits(r.input_bits) || !kernels::is_valid_bits(r.output_bits)) return -1;
  const RecordWindow w = record_window(r);
  if (w.stride_h < 1 || w.stride_w < 1 || w.kernel_h < 1 || w.kernel_w < 1) return -1;
  const int32_t in_pixel = kernels::packed_row_bytes(r.in_c, r.input_bits);
  const int32_t out_pixel = kernels::packed_row_bytes(r.out_c, r.output_bits);
  // Backwards over the output pixels, so that `first` is the smallest input byte any
  // pixel from p on reads (a suffix minimum: rows of top padding all start at row 0, so
  // it is not the current pixel's first byte alone).
  int64_t first = kReadsNothing, lag = 0;
  for (int32_t y = r.out_h - 1; y >= 0; --y) {
    for (int32_t x = r.out_w - 1; x >= 0; --x) {
      const int64_t read = first_byte_read(r, w, in_pixel, y, x);
      if (read < first) first = read;
      if (first == kReadsNothing) continue;
      const int64_t written = (static_cast<int64_t>(y) * r.out_w + x + 1) * out_pixel;
      if (written - first > lag) lag = written - first;
    }
  }
  return lag > INT32_MAX ? -1 : static_cast<int32_t>(lag);
}

int32_t inplace_lag(const OpRecord& r) {
  if (r.kind == blob::op_kind::depthwise) return inplace_depthwise_lag(r);
  return inplace_pointwise_lag(r);
}

namespace {

constexpr uint16_t kNoProducer = 0xFFFF;

// The op writing `buffer` before op `op`, or kNoProducer (the network input, or a bad id).
uint16_t producer_of(const uint8_t* records, uint16_t op, uint16_t buffer) {
  for (uint16_t j = 0; j < op; ++j)
    if (record_at(records, j).output_buffer == buffer) return j;
  return kNoProducer;
}

}  // namespace

bool inplace_eligible(const uint8_t* records, uint16_t op, PatchStage patch, uint16_t input_last_step) {
  const OpRecord r = record_at(records, op);
  if (inplace_lag(r) < 0 || r.input_buffer == 0 || r.input_buffer == blob::kNoBuffer) return false;
  if (patch.contains(op)) return false;
  if (input_last_step != op + 1u) return false;
  return producer_of(records, op, r.input_buffer) != kNoProducer;
}

bool inplace_depthwise_eligible(const uint8_t* records, uint16_t op, PatchStage patch, uint16_t input_last_step) {
  const OpRecord r = record_at(records, op);
  if (r.kind != blob::op_kind::depthwise || !inplace_eligible(records, op, patch, input_last_step)) return false;
  return record_at(records, producer_of(records, op, r.input_buffer)).kind != blob::op_kind::depthwise;
}

namespace {

// Op i's pair when its record asks to run in place: false for every other op, and for a
// flagged op whose buffer ids are out of range (load_model refuses those before).
bool flagged_pair(const OpRecord& r, uint16_t count) {
  return (r.flags & blob::kOpFlagInPlace) != 0 && r.output_buffer < count && r.input_buffer < count;
}

}  // namespace

PlanStatus merge_inplace_pairs(const uint8_t* records, uint16_t op_count, PatchStage patch, ArenaBuffer* buffers,
                                   uint16_t count, uint32_t alignment) {
  if (records == nullptr || buffers == nullptr || alignment == 0 || (alignment & (alignment - 1)) != 0)
    return PlanStatus::bad_argument;
  // Each pair becomes its output's entry grown to the pair's extent and an empty input
  // entry (an empty buffer conflicts with nothing, as a streamed input's buffer 0). In a
  // chain the input entry is the earlier pair's merged buffer, whose first bytes are the
  // input itself: the lag still counts from there.
  for (uint16_t i = 0; i < op_count; ++i) {
    const OpRecord r = record_at(records, i);
    if (!flagged_pair(r, count)) continue;
    ArenaBuffer& in = buffers[r.input_buffer];
    ArenaBuffer& out = buffers[r.output_buffer];
    const int32_t lag = inplace_lag(r);
    if (lag < 0 || !inplace_eligible(records, i, patch, in.last_step)) return PlanStatus::bad_argument;
    const uint64_t extent = static_cast<uint64_t>(align_up(static_cast<uint32_t>(lag), alignment)) + in.size;
    if (extent > INT32_MAX) return PlanStatus::bad_argument;
    if (extent > out.size) out.size = static_cast<uint32_t>(extent);
    out.first_step = in.first_step;
    in.size = 0;
  }
  return PlanStatus::ok;
}

void split_inplace_pairs(const uint8_t* records, uint16_t op_count, ArenaBuffer* buffers, uint16_t count,
                             uint32_t alignment) {
  // Backwards: a chain's last output holds the merged buffer's offset, and each input
  // then follows its output's, placed just before.
  for (uint16_t i = op_count; i-- > 0;) {
    const OpRecord r = record_at(records, i);
    if (!flagged_pair(r, count)) continue;
    ArenaBuffer& in = buffers[r.input_buffer];
    ArenaBuffer& out = buffers[r.output_buffer];
    in.size = static_cast<uint32_t>(activation_buffer_bytes(r.in_h, r.in_w, r.in_c, r.input_bits));
    in.offset = out.offset + align_up(static_cast<uint32_t>(inplace_lag(r)), alignment);
    out.size = static_cast<uint32_t>(activation_buffer_bytes(r.out_h, r.out_w, r.out_c, r.output_bits));
    out.first_step = static_cast<uint16_t>(i + 1u);
  }
}

PlanStatus plan_arena_inplace(const uint8_t* records, uint16_t op_count, PatchStage patch, ArenaBuffer* buffers,
                              uint16_t count, uint32_t alignment, uint16_t* order, uint32_t* arena_bytes) {
  PlanStatus s = merge_inplace_pairs(records, op_count, patch, buffers, count, alignment);
  if (s != PlanStatus::ok) return s;
  s = plan_arena(buffers, count, alignment, order, arena_bytes);
  split_inplace_pairs(records, op_count, buffers, count, alignment);
  return s;
}

}  // namespace mpq::rt
