// The parts of a blob's header that load_model's op and buffer-table checks share, after
// the header and the sections have been validated.
#pragma once

#include <cstdint>

#include "libmpq/runtime/blob_format.hpp"
#include "libmpq/runtime/load_model.hpp"
#include "libmpq/runtime/patch_stage.hpp"
#include "libmpq/runtime/status.hpp"

namespace mpq::rt::detail {

struct BlobContext {
  const uint8_t* blob;
  uint32_t total_bytes;
  uint16_t version;  // the op kinds it may hold: blob::version_needed
  uint16_t op_count, buffer_count;
  uint32_t ops_offset, buffers_offset, data_offset;
  int32_t input_h, input_w, input_c;
  PatchStage patch;  // absent: op_count 0

  const uint8_t* record(uint32_t op) const { return blob + ops_offset + op * blob::kOpRecordBytes; }
  const uint8_t* buffer(uint32_t id) const { return blob + buffers_offset + id * blob::kBufferRecordBytes; }
};

// Every check of one op record, in the order load_model documents; sets error->op (and
// error->kernel_status for kernel_rejected) on failure.
Status validate_op(const BlobContext& ctx, uint16_t op, LoadError* error);

// The buffer table against the (already validated) ops, then the re-run plan against the
// stored offsets and arena size. `scratch` holds load_scratch_bytes(buffer_count) bytes.
Status validate_buffer_table(const BlobContext& ctx, uint32_t arena_bytes, uint32_t alignment, void* scratch,
                             LoadError* error);

// After validate_buffer_table: with a patch stage, patch_stage_costs_ram (error->op the
// stage's last op) when the stored arena is larger than the same ops' arena layer by layer,
// the rule mpq memory / mpq export --patch apply. `scratch` holds
// load_scratch_bytes(buffer_count, patch.op_count) bytes.
Status check_patch_stage_saves_ram(const BlobContext& ctx, uint32_t arena_bytes, uint32_t alignment, void* scratch,
                                   LoadError* error);

// load_model with or without that last check. Only the runtime's tests turn it off: they
// run every stage length and grid of small graphs bit-exactly, and on those most stages
// cost RAM.
Status load_model(const uint8_t* blob, uint32_t blob_bytes, void* scratch, uint32_t scratch_bytes,
                  const KernelTable& kernels, ModelView* model, LoadError* error, bool refuse_costly_stage);

}  // namespace mpq::rt::detail
