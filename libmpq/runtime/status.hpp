// Why the runtime refused a blob or a call. load_model() validates a blob once and names
// the first failure; run_model() then runs unchecked, so after a successful load only
// caller arguments (arena, image) can fail.
#pragma once

#include <cstdint>

namespace mpq::rt {

enum class Status : uint8_t {
  ok = 0,
  bad_argument,            // a required pointer is null or a caller buffer is too small
  misaligned_blob,         // the blob does not start on a 4-byte boundary
  too_short,               // fewer bytes than a blob header
  bad_magic,               // the first four bytes are not "MPQM"
  bad_version,             // a blob version this runtime does not read
  size_mismatch,           // the header's total_bytes differs from the bytes given
  checksum_mismatch,       // CRC-32 of bytes [header, total) differs from the header's
  bad_header_field,        // a header field is 0, out of range, reserved but non-zero,
                           // or contradicts the ops (output buffer, bits, classes)
  section_out_of_bounds,   // a section starts inside the header or ends past total_bytes
  section_misaligned,      // a section offset is not a multiple of 4
  sections_overlap,        // input table, op records, buffer table, data out of order
  unsupported_op_kind,     // an op kind this runtime has no kernel for
  unsupported_bits,        // a bit width other than 2, 4 or 8 (the input: other than 8)
  bad_op_field,            // a reserved or unused op field is set, or shapes disagree
  op_input_mismatch,       // an op reads a buffer that is not an earlier tensor with its
                           // input's shape, bits and zero point
  kernel_rejected,         // an op's kernel *_check refused the record's parameters
  weights_size_mismatch,   // weights_bytes differs from the packed weight tensor's size
  bad_channel_params,      // a per-channel multiplier < 0 or shift outside [-31, 30]
  buffer_table_mismatch,   // buffer ids or lifetimes do not follow the table's rule
  buffer_size_mismatch,    // a buffer's size differs from its tensor's packed size or
                           // its kernel's scratch size
  plan_mismatch,           // plan_arena on the table's sizes and lifetimes places the
                           // buffers elsewhere or needs another arena size
  load_scratch_too_small,  // load_model's scratch is null, misaligned or too small
  misaligned_arena,        // the arena does not start on the blob's arena alignment
  arena_too_small,         // fewer arena bytes than the blob's arena_bytes
  kernel_failed,           // a kernel refused its call while running (never after a
                           // successful load_model with a valid arena)
  bad_patch_stage,         // the header's patch stage is out of range, holds an op other
                           // than a conv or depthwise, is not a chain, lets an inner
                           // output leave it, or has a grid larger than its output
  kernel_not_linked,       // an op's variant (kernel family and bits) is not in the kernel
                           // table the blob was loaded with (LoadError names it), or a
                           // reference run needs a reference kernel the table lacks
  patch_stage_costs_ram,   // the stored arena with the patch stage is larger than the
                           // same ops' arena layer by layer (LoadError names the stage's
                           // last op): a stage is there to lower RAM
  input_mode_mismatch,     // the blob streams its input (buffer 0 is empty: its patch
                           // stage reads the input window by window from a reader) and
                           // the run was given a whole image, or the other way round
  input_read_failed,       // the caller's input reader returned non-zero
};
constexpr uint8_t kStatusCount = 31;

// A short constant English name, e.g. "checksum_mismatch"; "unknown" out of range.
const char* status_name(Status status);

}  // namespace mpq::rt
