#include "libmpq/runtime/patch_stage.hpp"

#include "libmpq/kernels/packing.hpp"
#include "libmpq/runtime/blob_format.hpp"
#include "libmpq/runtime/little_endian.hpp"
#include "libmpq/runtime/detail/tile_params.hpp"
#include "libmpq/runtime/op_record.hpp"
#include "libmpq/runtime/op_requirements.hpp"

namespace mpq::rt {

namespace {

OpRecord record_at(const uint8_t* records, uint32_t i) { return decode_op_record(records + i * blob::kOpRecordBytes); }

int32_t max_i32(int32_t a, int32_t b) { return a > b ? a : b; }
int32_t min_i32(int32_t a, int32_t b) { return a < b ? a : b; }

// The input rows an output span needs (out.begin s - p to (out.end - 1) s - p + k), cut to
// [0, in_size); what lies outside is padding, on that side only.
void input_window(Span out, int32_t in_size, int32_t kernel, int32_t stride, int32_t padding, Span* in,
                  int32_t* pad_before, int32_t* pad_after) {
  const int32_t begin = out.begin * stride - padding;
  const int32_t end = (out.end - 1) * stride - padding + kernel;
  *pad_before = max_i32(0, -begin);
  *pad_after = max_i32(0, end - in_size);
  in->begin = max_i32(0, begin);
  in->end = min_i32(in_size, end);
}

bool reads(const OpRecord& op, uint16_t buffer) { return op.input_buffer == buffer || op.input2_buffer == buffer; }

// One u16 field of op i's record: patch_source reads buffer ids for every op of every tile
// (load_model sizes all tiles), where decoding whole records would dominate.
uint16_t record_u16(const uint8_t* records, uint32_t i, uint32_t field) {
  return read_u16(records + i * blob::kOpRecordBytes + field);
}

uint32_t max_u32(uint32_t a, int32_t b) { return b > 0 && static_cast<uint32_t>(b) > a ? static_cast<uint32_t>(b) : a; }

}  // namespace

Span patch_tile_span(int32_t size, int32_t grid, int32_t t) {
  return {static_cast<int32_t>(static_cast<int64_t>(size) * t / grid),
          static_cast<int32_t>(static_cast<int64_t>(size) * (t + 1) / grid)};
}

int32_t patch_source(const uint8_t* records, PatchStage stage, uint16_t buffer) {
  for (uint32_t k = 0; k < stage.op_count; ++k)
    if (record_u16(records, stage.first_op + k, blob::op::output_buffer) == buffer) return static_cast<int32_t>(k);
  return record_u16(records, stage.first_op, blob::op::input_buffer) == buffer ? kStageInput : kOutsideStage;
}

uint32_t patch_input_last_reader(const uint8_t* records, PatchStage stage) {
  const uint16_t input = record_at(records, stage.first_op).input_buffer;
  uint32_t last = stage.first_op;
  for (uint32_t i = stage.first_op; i < stage.end_op(); ++i)
    if (reads(record_at(records, i), input)) last = i;
  return last;
}

void patch_tile_windows(const uint8_t* records, PatchStage stage, int32_t ty, int32_t tx, TileWindows* windows) {
  // needed[k]: some reader of op k's output has widened its window (the stage input: input_seen).
  bool needed[kMaxPatchOps] = {};
  bool input_seen = false;
  const uint32_t n = stage.op_count;
  const OpRecord last = record_at(records, stage.end_op() - 1u);
  windows->op[n - 1].out_y = patch_tile_span(last.out_h, stage.grid, ty);
  windows->op[n - 1].out_x = patch_tile_span(last.out_w, stage.grid, tx);
  needed[n - 1] = true;
  for (int32_t k = static_cast<int32_t>(n) - 1; k >= 0; --k) {
    const OpRecord op = record_at(records, stage.first_op + static_cast<uint32_t>(k));
    OpWindow& w = windows->op[k];
    if (op.kind == blob::op_kind::add) {
      w.in_y = w.out_y;
      w.in_x = w.out_x;
      w.pad_top = w.pad_bottom = w.pad_left = w.pad_right = 0;
    } else {
      const RecordWindow win = record_window(op);
      input_window(w.out_y, op.in_h, win.kernel_h, win.stride_h, win.pad_top, &w.in_y, &w.pad_top, &w.pad_bottom);
      input_window(w.out_x, op.in_w, win.kernel_w, win.stride_w, win.pad_left, &w.in_x, &w.pad_left, &w.pad_right);
    }
    const uint16_t inputs[2] = {op.input_buffer, op.kind == blob::op_kind::add ? op.input2_buffer : blob::kNoBuffer};
    for (uint16_t buffer : inputs) {
      if (buffer == blob::kNoBuffer) continue;
      const int32_t src = patch_source(records, stage, buffer);
      if (src == kOutsideStage) continue;  // check_patch_stage refuses such a stage
      Span& y = src == kStageInput ? windows->input_y : windows->op[src].out_y;
      Span& x = src == kStageInput ? windows->input_x : windows->op[src].out_x;
      bool& seen = src == kStageInput ? input_seen : needed[src];
      y = seen ? Span{min_i32(y.begin, w.in_y.begin), max_i32(y.end, w.in_y.end)} : w.in_y;
      x = seen ? Span{min_i32(x.begin, w.in_x.begin), max_i32(x.end, w.in_x.end)} : w.in_x;
      seen = true;
    }
  }
}

Status check_patch_stage(const uint8_t* records, uint16_t op_count, PatchStage stage, uint16_t* bad_op) {
  if (bad_op != nullptr) *bad_op = stage.first_op;
  if (stage.op_count < 1 || stage.op_count > kMaxPatchOps || stage.grid < 1 || stage.end_op() > op_count)
    return Status::bad_patch_stage;
  Status s = Status::ok;
  uint16_t at = stage.first_op;
  bool read_inside[kMaxPatchOps] = {};
  for (uint32_t i = stage.first_op; i < stage.end_op() && s == Status::ok; ++i) {
    at = static_cast<uint16_t>(i);
    const OpRecord op = record_at(records, i);
    const bool add = op.kind == blob::op_kind::add;
    if (op.kind != blob::op_kind::conv && op.kind != blob::op_kind::depthwise && !add) s = Status::bad_patch_stage;
    // An input is the stage input or an earlier stage op's output: an add whose other
    // branch starts before the stage is refused here.
    const uint16_t inputs[2] = {op.input_buffer, add ? op.input2_buffer : blob::kNoBuffer};
    for (uint16_t buffer : inputs) {
      if (buffer == blob::kNoBuffer || s != Status::ok) continue;
      const int32_t src = patch_source(records, stage, buffer);
      if (src == kOutsideStage || (src >= 0 && static_cast<uint32_t>(src) + stage.first_op >= i))
        s = Status::bad_patch_stage;
      else if (src >= 0)
        read_inside[src] = true;
    }
  }
  // A streamed input exists only window by window, inside a stage from op 0.
  if (stage.stream_input && stage.first_op != 0 && s == Status::ok) {
    s = Status::bad_patch_stage;
    at = stage.first_op;
  }
  const uint16_t input = record_at(records, stage.first_op).input_buffer;
  // Outputs inside the stage exist only tile by tile: nothing after the stage may read them.
  for (uint32_t i = stage.end_op(); i < op_count && s == Status::ok; ++i) {
    const OpRecord op = record_at(records, i);
    for (uint32_t k = stage.first_op; k + 1 < stage.end_op() && s == Status::ok; ++k) {
      if (reads(op, record_at(records, k).output_buffer)) {
        s = Status::bad_patch_stage;
        at = static_cast<uint16_t>(i);
      }
    }
    if (stage.stream_input && reads(op, input) && s == Status::ok) {
      s = Status::bad_patch_stage;
      at = static_cast<uint16_t>(i);
    }
  }
  // An inner output nothing in the stage reads would have no window.
  for (uint32_t k = 0; k + 1 < stage.op_count && s == Status::ok; ++k) {
    if (!read_inside[k]) {
      s = Status::bad_patch_stage;
      at = static_cast<uint16_t>(stage.first_op + k);
    }
  }
  if (s == Status::ok) {
    const OpRecord last = record_at(records, stage.end_op() - 1u);
    at = static_cast<uint16_t>(stage.end_op() - 1u);
    if (stage.grid > last.out_h || stage.grid > last.out_w) s = Status::bad_patch_stage;
  }
  if (s != Status::ok && bad_op != nullptr) *bad_op = at;
  return s;
}

Status patch_stage_buffers(const uint8_t* records, PatchStage stage, PatchBuffers* buffers, uint16_t* bad_op) {
  PatchBuffers b;
  TileWindows windows;
  const OpRecord first = record_at(records, stage.first_op);
  for (int32_t ty = 0; ty < stage.grid; ++ty) {
    for (int32_t tx = 0; tx < stage.grid; ++tx) {
      patch_tile_windows(records, stage, ty, tx, &windows);
      b.window_bytes = max_u32(b.window_bytes, kernels::activation_bytes(windows.input_y.size(), windows.input_x.size(),
                                                                         first.in_c, first.input_bits));
      for (uint32_t k = 0; k < stage.op_count; ++k) {
        const OpRecord op = record_at(records, stage.first_op + k);
        const OpWindow& w = windows.op[k];
        kernels::Status check = kernels::Status::ok;
        int32_t scratch = 0;
        if (op.kind != blob::op_kind::add) {
          // A conv reads its input buffer from its first byte on: that buffer must hold exactly its window.
          const int32_t src = patch_source(records, stage, op.input_buffer);
          const Span& y = src == kStageInput ? windows.input_y : windows.op[src].out_y;
          const Span& x = src == kStageInput ? windows.input_x : windows.op[src].out_x;
          if (y.begin != w.in_y.begin || y.end != w.in_y.end || x.begin != w.in_x.begin || x.end != w.in_x.end) {
            if (bad_op != nullptr) *bad_op = static_cast<uint16_t>(stage.first_op + k);
            return Status::bad_patch_stage;
          }
        }
        switch (op_kernel(op)) {
          case OpKernel::pointwise_convolve: {
            const kernels::PointwiseParams p = detail::tile_pointwise_params(op, w);
            check = kernels::pointwise_convolve_check(p);
            if (check == kernels::Status::ok) scratch = kernels::pointwise_convolve_fast_get_buffer_size(p);
            break;
          }
          case OpKernel::depthwise_convolve: {
            const kernels::DepthwiseParams p = detail::tile_depthwise_params(op, w);
            check = kernels::depthwise_convolve_check(p);
            if (check == kernels::Status::ok) scratch = kernels::depthwise_convolve_fast_get_buffer_size(p);
            break;
          }
          case OpKernel::residual_add: check = kernels::residual_add_check(detail::add_params(op)); break;
          default: {
            const kernels::ConvParams p = detail::tile_conv_params(op, w);
            check = kernels::convolve_check(p);
            if (check == kernels::Status::ok) scratch = kernels::convolve_fast_get_buffer_size(p);
            break;
          }
        }
        const int32_t tile = kernels::activation_bytes(w.out_y.size(), w.out_x.size(), op.out_c, op.output_bits);
        if (check != kernels::Status::ok || tile <= 0) {
          if (bad_op != nullptr) *bad_op = static_cast<uint16_t>(stage.first_op + k);
          return Status::kernel_rejected;
        }
        b.tile_bytes[k] = max_u32(b.tile_bytes[k], tile);
        b.scratch_bytes[k] = max_u32(b.scratch_bytes[k], scratch);
      }
    }
  }
  *buffers = b;
  return Status::ok;
}

}  // namespace mpq::rt
