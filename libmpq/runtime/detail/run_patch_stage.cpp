#include "libmpq/runtime/detail/run_patch_stage.hpp"

#include <cstring>

#include "libmpq/kernels/packing.hpp"
#include "libmpq/runtime/blob_format.hpp"
#include "libmpq/runtime/buffer_record.hpp"
#include "libmpq/runtime/detail/encode_input.hpp"
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

// A tile buffer and the rows x columns of the tensor it holds.
struct Stored {
  const uint8_t* data;
  Span y, x;
};

// The first byte of pixel (y, x) of `s`, pixels of `pixel` bytes.
const uint8_t* pixel_at(const Stored& s, int32_t y, int32_t x, int32_t pixel) {
  return s.data + (static_cast<size_t>(y - s.y.begin) * s.x.size() + (x - s.x.begin)) * pixel;
}

// An add on one tile. Its inputs' buffers may hold more than its window (the block input's
// tile is as large as the branch's first op needs), so it runs row by row: the columns of
// one row are contiguous in both. Elementwise, so bit for bit the whole add.
Status run_tile_add(const KernelTable& table, const OpRecord& op, const OpWindow& w, const Stored& a, const Stored& b,
                    uint8_t* output, bool reference) {
  mpq_fw_kernel_call call;
  call.params.add = add_params(op);
  call.params.add.input_h = 1;
  call.params.add.input_w = w.out_x.size();
  const int32_t a_pixel = kernels::packed_row_bytes(op.out_c, op.input_bits);
  const int32_t b_pixel = kernels::packed_row_bytes(op.out_c, op.input2_bits);
  const int32_t out_row = kernels::packed_row_bytes(op.out_c, op.output_bits) * w.out_x.size();
  for (int32_t y = w.out_y.begin; y < w.out_y.end; ++y) {
    call.t = OpTensors{};
    call.t.input = pixel_at(a, y, w.out_x.begin, a_pixel);
    call.t.input2 = pixel_at(b, y, w.out_x.begin, b_pixel);
    call.t.output = output + static_cast<size_t>(y - w.out_y.begin) * out_row;
    call.t.scratch = output;  // the add takes no scratch; a zero-size request needs non-null
    const Status s = run_call(table, op_variant(op), call, reference);
    if (s != Status::ok) return s;
  }
  return Status::ok;
}

}  // namespace

Status run_patch_stage(const ModelView& m, uint8_t* arena, bool reference, const InputStream* input) {
  const PatchStage stage = m.patch;
  const OpRecord first = decode_op_record(m.ops + stage.first_op * blob::kOpRecordBytes);
  const OpRecord last = decode_op_record(m.ops + (stage.end_op() - 1u) * blob::kOpRecordBytes);
  const Buffer stage_input = buffer(m, arena, first.input_buffer);
  const Buffer stage_output = buffer(m, arena, last.output_buffer);
  const Buffer window = buffer(m, arena, m.patch_window_buffer);
  const Buffer tile = buffer(m, arena, m.patch_tile_buffer);
  const int32_t in_pixel = kernels::packed_row_bytes(first.in_c, first.input_bits);
  const int32_t out_pixel = kernels::packed_row_bytes(last.out_c, last.output_bits);
  TileWindows w;
  // Where each stage op's output tile lives (the last one's: the tile buffer), and where
  // each op's inputs come from (patch_source), found once for all tiles.
  uint8_t* outputs[kMaxPatchOps];
  int32_t sources[kMaxPatchOps][2];
  for (uint32_t k = 0; k < stage.op_count; ++k) {
    const OpRecord op = decode_op_record(m.ops + (stage.first_op + k) * blob::kOpRecordBytes);
    outputs[k] = k + 1u < stage.op_count ? buffer(m, arena, op.output_buffer).data : tile.data;
    sources[k][0] = patch_source(m.ops, stage, op.input_buffer);
    sources[k][1] = op.kind == blob::op_kind::add ? patch_source(m.ops, stage, op.input2_buffer) : kOutsideStage;
  }
  auto stored = [&](int32_t src) {
    return src == kStageInput ? Stored{window.data, w.input_y, w.input_x}
                              : Stored{outputs[src], w.op[src].out_y, w.op[src].out_x};
  };
  for (int32_t ty = 0; ty < stage.grid; ++ty) {
    for (int32_t tx = 0; tx < stage.grid; ++tx) {
      patch_tile_windows(m.ops, stage, ty, tx, &w);
      if (input != nullptr) {
        // The input's codes are 8-bit, one byte per value like the raw pixels: the window
        // buffer holds the raw window, then its codes.
        const uint16_t rows = static_cast<uint16_t>(w.input_y.size()), cols = static_cast<uint16_t>(w.input_x.size());
        if (input->read(input->user, static_cast<uint16_t>(w.input_y.begin), rows, static_cast<uint16_t>(w.input_x.begin),
                        cols, window.data) != 0)
          return Status::input_read_failed;
        encode_input(m.input_lut, m.input_c, static_cast<uint32_t>(rows) * cols, window.data, window.data);
      } else {
        copy_window(stage_input.data, first.in_w, w.input_y.begin, w.input_x.begin, w.input_y.size(), w.input_x.size(),
                    in_pixel, window.data);
      }
      for (uint32_t k = 0; k < stage.op_count; ++k) {
        const OpRecord op = decode_op_record(m.ops + (stage.first_op + k) * blob::kOpRecordBytes);
        Status s = Status::ok;
        if (op.kind == blob::op_kind::add) {
          s = run_tile_add(*m.kernels, op, w.op[k], stored(sources[k][0]), stored(sources[k][1]), outputs[k], reference);
        } else {
          OpTensors t{};
          t.input = stored(sources[k][0]).data;  // load_model checked: the buffer holds exactly its window
          point_at_weights(m.blob, op, &t);  // a stage's ops but its adds are weighted
          point_at_scratch(m.buffers, arena, op, &t);
          t.output = outputs[k];
          s = run_tile_op(*m.kernels, op, w.op[k], t, reference);
        }
        if (s != Status::ok) return s;
      }
      const OpWindow& lw = w.op[stage.op_count - 1u];
      paste_tile(tile.data, lw.out_y.size(), lw.out_x.size(), out_pixel, stage_output.data, last.out_w,
                 lw.out_y.begin, lw.out_x.begin);
    }
  }
  return Status::ok;
}

}  // namespace mpq::rt::detail
