#include "libmpq/runtime/detail/run_patch_stage.hpp"

#include <cstring>

#include "libmpq/kernels/packing.hpp"
#include "libmpq/runtime/blob_format.hpp"
#include "libmpq/runtime/buffer_record.hpp"
#include "libmpq/runtime/detail/kernel_call.hpp"
#include "libmpq/runtime/detail/run_op.hpp"
#include "libmpq/runtime/detail/tile_params.hpp"
#include "libmpq/runtime/op_requirements.hpp"

namespace mpq::rt::detail {

namespace {

struct Buffer {
  uint8_t* data;
  int32_t bytes;
};

Buffer buffer(const ModelView& m, uint8_t* arena, uint16_t id) {
  const ArenaBuffer b = decode_buffer_record(m.buffers + id * blob::kBufferRecordBytes);
  return {arena + b.offset, static_cast<int32_t>(b.size)};
}

// Rows rows x cols pixels of `pixel` bytes between a whole tensor of `width` pixels per row,
// at (y, x), and a tile stored densely. A pixel's channels start on a byte boundary
// (kernels/packing.hpp), so tiles of sub-byte tensors copy whole bytes.
void copy_window(const uint8_t* from, int32_t from_width, int32_t y, int32_t x, int32_t rows, int32_t cols,
                 int32_t pixel, uint8_t* to) {
  for (int32_t r = 0; r < rows; ++r)
    std::memcpy(to + static_cast<size_t>(r) * cols * pixel,
                from + (static_cast<size_t>(y + r) * from_width + x) * pixel, static_cast<size_t>(cols) * pixel);
}

void paste_tile(const uint8_t* tile, int32_t rows, int32_t cols, int32_t pixel, uint8_t* to, int32_t to_width,
                int32_t y, int32_t x) {
  for (int32_t r = 0; r < rows; ++r)
    std::memcpy(to + (static_cast<size_t>(y + r) * to_width + x) * pixel,
                tile + static_cast<size_t>(r) * cols * pixel, static_cast<size_t>(cols) * pixel);
}

Status run_tile_op(const KernelTable& table, const OpRecord& op, const OpWindow& w, const OpTensors& t,
                   bool reference) {
  mpq_fw_kernel_call call;
  call.t = t;
  switch (op_kernel(op)) {
    case OpKernel::pointwise_convolve: call.params.pointwise = tile_pointwise_params(op, w); break;
    case OpKernel::depthwise_convolve: call.params.depthwise = tile_depthwise_params(op, w); break;
    case OpKernel::convolve: call.params.conv = tile_conv_params(op, w); break;
    default: return Status::kernel_failed;  // load_model admits no other op in a stage
  }
  return run_call(table, op_variant(op), call, reference);
}

}  // namespace

Status run_patch_stage(const ModelView& m, uint8_t* arena, bool reference) {
  const PatchStage stage = m.patch;
  const OpRecord first = decode_op_record(m.ops + stage.first_op * blob::kOpRecordBytes);
  const OpRecord last = decode_op_record(m.ops + (stage.end_op() - 1u) * blob::kOpRecordBytes);
  const Buffer stage_input = buffer(m, arena, first.input_buffer);
  const Buffer stage_output = buffer(m, arena, last.output_buffer);
  const Buffer window = buffer(m, arena, m.patch_window_buffer);
  const Buffer tile = buffer(m, arena, m.patch_tile_buffer);
  const int32_t in_pixel = kernels::packed_row_bytes(first.in_c, first.input_bits);
  const int32_t out_pixel = kernels::packed_row_bytes(last.out_c, last.output_bits);
  OpWindow windows[kMaxPatchOps];
  for (int32_t ty = 0; ty < stage.grid; ++ty) {
    for (int32_t tx = 0; tx < stage.grid; ++tx) {
      patch_tile_windows(m.ops, stage, ty, tx, windows);
      copy_window(stage_input.data, first.in_w, windows[0].in_y.begin, windows[0].in_x.begin, windows[0].in_y.size(),
                  windows[0].in_x.size(), in_pixel, window.data);
      const uint8_t* input = window.data;
      for (uint32_t k = 0; k < stage.op_count; ++k) {
        const OpRecord op = decode_op_record(m.ops + (stage.first_op + k) * blob::kOpRecordBytes);
        OpTensors t{};
        t.input = input;
        t.weights = m.blob + op.weights_offset;
        const int32_t* params = reinterpret_cast<const int32_t*>(m.blob + op.channel_params_offset);
        t.bias = params;
        t.multiplier = params + op.out_c;
        t.shift = params + 2 * op.out_c;
        if (op.scratch_buffer != blob::kNoBuffer) {
          const Buffer scratch = buffer(m, arena, op.scratch_buffer);
          t.scratch = scratch.data;
          t.scratch_bytes = scratch.bytes;
        } else {
          t.scratch = arena;
          t.scratch_bytes = 0;
        }
        // Inside the stage an op's output buffer is its tile; the last op's tile has a
        // buffer of its own, since its output buffer is the stage's whole output.
        t.output = k + 1u < stage.op_count ? buffer(m, arena, op.output_buffer).data : tile.data;
        const Status s = run_tile_op(*m.kernels, op, windows[k], t, reference);
        if (s != Status::ok) return s;
        input = t.output;
      }
      const OpWindow& w = windows[stage.op_count - 1u];
      paste_tile(tile.data, w.out_y.size(), w.out_x.size(), out_pixel, stage_output.data, last.out_w, w.out_y.begin,
                 w.out_x.begin);
    }
  }
  return Status::ok;
}

}  // namespace mpq::rt::detail
