// A patch stage (MCUNetV2, Lin et al. 2021): ops [first_op, first_op + op_count) of the
// graph run tile by tile instead of layer by layer. The stage's output is split into a
// grid x grid set of spatial tiles; for each tile every op of the stage computes only the
// part of its output the next op's window needs (the halo, recomputed by neighbouring
// tiles), into small per-tile buffers, and the last op's tile is copied into the stage's
// whole output. Only the stage's input and output are ever whole, which is where the RAM
// peak of a MobileNet sits. The geometry and the per-tile buffer sizes are here, shared by
// load_model (which validates a blob's stage), run_model and the host memory model.
#pragma once

#include <cstdint>

#include "libmpq/runtime/status.hpp"

namespace mpq::rt {

// The per-op state of a stage lives in fixed arrays (no heap): a stage holds at most this
// many ops, which covers the first blocks of every MobileNet.
constexpr uint16_t kMaxPatchOps = 16;

struct PatchStage {
  uint16_t first_op = 0;
  uint8_t op_count = 0;  // 0: no stage, every op runs layer by layer
  uint8_t grid = 0;      // tiles per side of the stage's output
  bool present() const { return op_count != 0; }
  uint32_t end_op() const { return static_cast<uint32_t>(first_op) + op_count; }  // one past the last
};

// [begin, end) along one spatial axis.
struct Span {
  int32_t begin = 0, end = 0;
  int32_t size() const { return end - begin; }
};

// What one op of the stage computes for one tile: rows out_y x columns out_x of its
// output, from rows in_y x columns in_x of its input (clipped to the tensor) plus zero
// padding (the input's zero point) only where the window passes the tensor's border.
struct OpWindow {
  Span out_y, out_x, in_y, in_x;
  int32_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
};

// Rows (or columns) of tile `t` of `grid` along an output of `size`: [size t / grid,
// size (t + 1) / grid), so tiles differ by at most one and none is empty when grid <= size.
Span patch_tile_span(int32_t size, int32_t grid, int32_t t);

// Requires: `records` the blob's encoded op records (blob::kOpRecordBytes each), `stage`
// accepted by check_patch_stage. Ensures: windows[k] is the stage's op k's window for tile
// (ty, tx); op k's in_y/in_x is op k - 1's out_y/out_x.
void patch_tile_windows(const uint8_t* records, PatchStage stage, int32_t ty, int32_t tx, OpWindow* windows);

// The stage's fields and ops against the (already validated) records: op_count in
// [1, kMaxPatchOps], the stage inside the graph, grid >= 1 and no larger than the last
// op's output height or width; every op a conv (stem, pointwise or other) or a depthwise;
// every op after the first reads the previous op's output, and no op after the stage reads
// an output from inside it (those are never whole: a residual branch may not leave the
// stage). bad_patch_stage on failure, *bad_op (if non-null) then names the op or, for the
// fields, the stage's first op.
Status check_patch_stage(const uint8_t* records, uint16_t op_count, PatchStage stage, uint16_t* bad_op);

// Per-tile buffers of a stage, each the largest any tile needs.
struct PatchBuffers {
  uint32_t window_bytes = 0;                // the stage input's window (the first op's input)
  uint32_t tile_bytes[kMaxPatchOps] = {};   // op k's output tile
  uint32_t scratch_bytes[kMaxPatchOps] = {};  // op k's fast-kernel scratch (0: none)
};

// Requires check_patch_stage ok. Every tile's kernel parameters pass the kernel's check
// (else kernel_rejected, *bad_op the op); on ok *buffers holds the sizes.
Status patch_stage_buffers(const uint8_t* records, PatchStage stage, PatchBuffers* buffers, uint16_t* bad_op);

}  // namespace mpq::rt
