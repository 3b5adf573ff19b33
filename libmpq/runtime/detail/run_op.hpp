// One op's kernel call with the parameters of its record (detail/kernel_params.hpp), as
// run_model executes it after load_model checked the record with op_requirements and
// found its variant in the kernel table.
#pragma once

#include <cstdint>

#include "libmpq/runtime/blob_format.hpp"
#include "libmpq/runtime/buffer_record.hpp"
#include "libmpq/runtime/kernel_table.hpp"
#include "libmpq/runtime/op_record.hpp"
#include "libmpq/runtime/status.hpp"

namespace mpq::rt::detail {

// Pointers of one op's call. input2 only for adds; weights and per-channel arrays only for
// weighted ops; scratch only for the fast kernels (non-null, 4-byte aligned).
struct OpTensors {
  const uint8_t* input;
  const uint8_t* input2;
  const uint8_t* weights;
  const int32_t* bias;
  const int32_t* multiplier;
  const int32_t* shift;
  void* scratch;
  int32_t scratch_bytes;
  uint8_t* output;
};

// Points t's weights and per-channel arrays at a weighted op's (weights_offset != 0)
// data in `blob`: bias, multiplier and shift, op.out_c little-endian int32 each in that
// order from channel_params_offset. Requires: load_model checked the offsets (in the blob,
// the arrays aligned). The one decoding of both the layer-by-layer run and the patch
// stage's; inline, so that neither pays a call per op (or per tile) for four pointers.
inline void point_at_weights(const uint8_t* blob, const OpRecord& op, OpTensors* t) {
  t->weights = blob + op.weights_offset;
  const int32_t* params = reinterpret_cast<const int32_t*>(blob + op.channel_params_offset);
  t->bias = params;
  t->multiplier = params + op.out_c;
  t->shift = params + 2 * op.out_c;
}

// Points t's scratch at the op's scratch buffer in `arena` (its record in `buffers`, the
// blob's buffer table), or, for an op without one (kNoBuffer), at `arena` with 0 bytes:
// kernels without scratch ignore it, and a zero-size request still needs non-null. The
// one lookup of the layer-by-layer run and the patch stage's (per tile), inline like
// point_at_weights. Requires: load_model checked the buffer ids and records.
inline void point_at_scratch(const uint8_t* buffers, uint8_t* arena, const OpRecord& op, OpTensors* t) {
  if (op.scratch_buffer == blob::kNoBuffer) {
    t->scratch = arena;
    t->scratch_bytes = 0;
    return;
  }
  const ArenaBuffer b = decode_buffer_record(buffers + op.scratch_buffer * blob::kBufferRecordBytes);
  t->scratch = arena + b.offset;
  t->scratch_bytes = static_cast<int32_t>(b.size);
}

// ok; kernel_not_linked when `kernels` lacks the op's variant (or, for a reference run, its
// reference function); kernel_failed when the kernel refused the call.
Status run_op(const KernelTable& kernels, const OpRecord& op, const OpTensors& t, bool reference);

}  // namespace mpq::rt::detail
