// Validates a model blob (docs/blob-format.md, "Runtime validation") once, so that
// run_model() can run it without a single check: the TFLite Micro "prepare once, eval
// unchecked" split.
#pragma once

#include <cstdint>

#include "libmpq/kernels/status.hpp"
#include "libmpq/runtime/kernel_table.hpp"
#include "libmpq/runtime/model_view.hpp"
#include "libmpq/runtime/status.hpp"

namespace mpq::rt {

constexpr uint16_t kNoOp = 0xFFFF;

// What a caller allocates for a blob, read from its header (before the full load).
struct BlobMemory {
  uint32_t arena_bytes;         // run_model's arena: the header's arena_bytes, equal to
                                // libmpq/mcu's memory_report RAM for the blob's policy
  uint32_t arena_alignment;     // the arena's start alignment
  uint32_t load_scratch_bytes;  // load_model's scratch (load_scratch_bytes below)
};

// Reads the header only: blob non-null (bad_argument), at least a header long
// (too_short), magic, version, and total_bytes == blob_bytes (size_mismatch). Nothing
// else is validated: call load_model before trusting the blob.
Status query_blob_memory(const uint8_t* blob, uint32_t blob_bytes, BlobMemory* memory);

// Scratch load_model needs to re-run the arena planner on a table of `buffer_count`
// buffers: a copy of the table (rt::ArenaBuffer each) and the planner's order array; with
// a patch stage of `patch_op_count` ops, room for the layer-by-layer table it is compared
// with (each stage op may have a whole scratch buffer that no tile needs).
uint32_t load_scratch_bytes(uint16_t buffer_count, uint8_t patch_op_count = 0);

// Where load_model failed, when the failure belongs to an op or a buffer.
struct LoadError {
  uint16_t op = kNoOp;                               // op index, or kNoOp
  uint16_t buffer = 0xFFFF;                          // buffer id, or 0xFFFF
  kernels::Status kernel_status = kernels::Status::ok;  // for kernel_rejected
  OpVariant variant;                                 // for kernel_not_linked: the missing one
};

// Requires: `blob` 4-byte aligned (misaligned_blob; per-channel int32 parameters are
// read in place) and little-endian like the blob. `scratch`: 4-byte aligned caller memory
// of at least load_scratch_bytes(buffer_count, patch_op_count) bytes (load_scratch_too_small),
// used only during the call; the arena that will be passed to run_model can serve, when it is that
// large (query_blob_memory gives both sizes; for real models the arena is far larger).
// Checks, in order (the first failure is returned; `error`, if non-null, names the op or
// buffer): the header (magic, version, size, CRC-32, every field), the sections (in
// bounds, aligned, in order), every op (kind, bits, reserved and unused fields, shapes,
// the kernel's *_check with the record's parameters, weight size, per-channel
// multipliers and shifts, inputs produced by earlier ops with the same shape, bits and
// zero point, and its variant in `kernels`: kernel_not_linked), the buffer table (ids, sizes equal to the packed tensors and the fast
// kernels' scratch, lifetimes; buffer 0 may be empty only beside a stage from op 0 that
// streams the input, PatchStage::stream_input), and finally that plan_arena on the table's sizes and
// lifetimes gives exactly the stored offsets and arena_bytes; with a patch stage, that this
// arena is no larger than the same ops' arena layer by layer (patch_stage_costs_ram).
// `kernels`: the variants run_model may call (a firmware's generated table, or
// all_kernels()); it must outlive the model.
// Ensures on ok: *model describes the blob and run_model can run it unchecked.
Status load_model(const uint8_t* blob, uint32_t blob_bytes, void* scratch, uint32_t scratch_bytes,
                  const KernelTable& kernels, ModelView* model, LoadError* error = nullptr);
// The same with all_kernels() (all_kernels.cpp): hosts and tests; a firmware that calls it
// links every kernel.
Status load_model(const uint8_t* blob, uint32_t blob_bytes, void* scratch, uint32_t scratch_bytes, ModelView* model,
                  LoadError* error = nullptr);

}  // namespace mpq::rt
