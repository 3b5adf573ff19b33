// A patch stage (MCUNetV2, Lin et al. 2021): ops [first_op, first_op + op_count) of the
// graph run tile by tile instead of layer by layer. The stage's output is split into a
// grid x grid set of spatial tiles; for each tile every op of the stage computes only the
// part of its output its readers in the stage need (the halo, recomputed by neighbouring
// tiles), into small per-tile buffers, and the last op's tile is copied into the stage's
// whole output. Only the stage's input and output are ever whole, which is where the RAM
// peak of a MobileNet sits. Residual adds may be inside a stage when both their branches
// are: the block input's tile then holds the union of what the branch's first op and the
// add need, and stays live (at its bits) until the add. The geometry and the per-tile buffer sizes are here, shared by
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
  // The stage reads the network input window by window from the caller's reader
  // (run_model's InputStream) instead of from buffer 0, which is then empty: the whole
  // input never sits in the arena. Only for a stage from op 0. Not a header field: a blob
  // says it by its buffer 0 of size 0 (docs/blob-format.md, "Streamed input").
  bool stream_input = false;
  bool present() const { return op_count != 0; }
  uint32_t end_op() const { return static_cast<uint32_t>(first_op) + op_count; }  // one past the last
  bool contains(uint32_t op) const { return present() && op >= first_op && op < end_op(); }
};

// [begin, end) along one spatial axis.
struct Span {
  int32_t begin = 0, end = 0;
  int32_t size() const { return end - begin; }
};

// What one op of the stage computes for one tile: rows out_y x columns out_x of its
// output, from rows in_y x columns in_x of its input (clipped to the tensor) plus zero
// padding (the input's zero point) only where the window passes the tensor's border.
// An add reads the same rows and columns of both inputs as it writes (no padding).
struct OpWindow {
  Span out_y, out_x, in_y, in_x;
  int32_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
};

// One tile's windows: op k's in op[k]; a tile buffer holds its op's out_y x out_x, the
// union of what the op's readers in the stage need, and the stage input's window buffer
// holds input_y x input_x, the union for the stage input's readers.
struct TileWindows {
  OpWindow op[kMaxPatchOps];
  Span input_y, input_x;
};

// Where an op of the stage reads `buffer` from: the index k of the stage op that writes
// it, kStageInput for the stage input (the first op's input), kOutsideStage otherwise.
constexpr int32_t kStageInput = -1;
constexpr int32_t kOutsideStage = -2;
int32_t patch_source(const uint8_t* records, PatchStage stage, uint16_t buffer);

// The op index of the last stage op that reads the stage input: the window buffer lives
// from the stage's first step to that op's step (a residual add may read it late).
uint32_t patch_input_last_reader(const uint8_t* records, PatchStage stage);

// Rows (or columns) of tile `t` of `grid` along an output of `size`: [size t / grid,
// size (t + 1) / grid), so tiles differ by at most one and none is empty when grid <= size.
Span patch_tile_span(int32_t size, int32_t grid, int32_t t);

// Requires: `records` the blob's encoded op records (blob::kOpRecordBytes each), `stage`
// accepted by check_patch_stage. Ensures: *windows holds the stage's windows for tile
// (ty, tx), computed from the last op back: each op's out window is the bounding box of its
// readers' in windows (the tile for the last op).
void patch_tile_windows(const uint8_t* records, PatchStage stage, int32_t ty, int32_t tx, TileWindows* windows);

// The stage's fields and ops against the (already validated) records: op_count in
// [1, kMaxPatchOps], the stage inside the graph, grid >= 1 and no larger than the last
// op's output height or width; every op a conv (stem, pointwise or other), a depthwise or
// an add; every input of a stage op is the stage input or an earlier stage op's output;
// every op but the last is read inside the stage, and no op after the stage reads an
// output from inside it (those are never whole: both branches of a residual add lie inside
// the stage or neither does); with stream_input, the stage starts at op 0 and no op after
// it reads the network input (it is never whole). bad_patch_stage on failure, *bad_op (if non-null) then names
// the op or, for the fields, the stage's first op.
Status check_patch_stage(const uint8_t* records, uint16_t op_count, PatchStage stage, uint16_t* bad_op);

// Per-tile buffers of a stage, each the largest any tile needs.
struct PatchBuffers {
  uint32_t window_bytes = 0;                // the stage input's window
  uint32_t tile_bytes[kMaxPatchOps] = {};   // op k's output tile
  uint32_t scratch_bytes[kMaxPatchOps] = {};  // op k's fast-kernel scratch (0: none)
};

// Requires check_patch_stage ok. Every tile's kernel parameters pass the kernel's check
// (else kernel_rejected, *bad_op the op), and a conv or depthwise reads exactly the
// window its input's buffer holds (else bad_patch_stage, *bad_op the op: another reader of
// that input, an add, needs more than it does, so its window would start elsewhere); on
// ok *buffers holds the sizes.
Status patch_stage_buffers(const uint8_t* records, PatchStage stage, PatchBuffers* buffers, uint16_t* bad_op);

}  // namespace mpq::rt
