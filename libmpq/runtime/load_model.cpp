#include "libmpq/runtime/load_model.hpp"

#include <cstring>

#include "libmpq/kernels/packing.hpp"
#include "libmpq/runtime/blob_format.hpp"
#include "libmpq/runtime/crc32.hpp"
#include "libmpq/runtime/detail/blob_context.hpp"
#include "libmpq/runtime/blob_header.hpp"
#include "libmpq/runtime/buffer_record.hpp"
#include "libmpq/runtime/op_record.hpp"
#include "libmpq/runtime/patch_stage.hpp"
#include "libmpq/runtime/plan_arena.hpp"

// Per-channel parameters are handed to the kernels as int32 pointers into the blob, whose
// numbers are little-endian.
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "libmpq/runtime reads the little-endian model blob in place: a little-endian target is required"
#endif

namespace mpq::rt {

namespace {

bool is_aligned(uint32_t offset) { return offset % blob::kSectionAlignment == 0; }

// Non-null, at least a header, "MPQM", our version, and exactly total_bytes long; on ok,
// *header is the decoded header.
Status check_header_basics(const uint8_t* blob, uint32_t blob_bytes, BlobHeader* header) {
  if (blob == nullptr) return Status::bad_argument;
  if (blob_bytes < blob::kHeaderBytes) return Status::too_short;
  const BlobHeader h = decode_blob_header(blob);
  if (std::memcmp(h.magic, blob::kMagic, sizeof(blob::kMagic)) != 0) return Status::bad_magic;
  if (h.version < blob::kOldestVersion || h.version > blob::kVersion) return Status::bad_version;
  if (h.total_bytes != blob_bytes) return Status::size_mismatch;
  *header = h;
  return Status::ok;
}

// Header fields on their own: reserved bytes 0, counts and shapes non-zero, the arena
// alignment a power of two the kernels' 4-byte scratch alignment divides.
Status check_header_fields(const BlobHeader& h) {
  if (h.flags != 0) return Status::bad_header_field;
  // Without a stage its fields are 0, as they were when they were reserved bytes.
  if (h.patch_op_count == 0 && (h.patch_first_op != 0 || h.patch_grid != 0)) return Status::bad_header_field;
  const uint32_t alignment = h.arena_alignment;
  if (alignment < 4 || (alignment & (alignment - 1)) != 0) return Status::bad_header_field;
  if (h.op_count == 0 || h.buffer_count == 0) return Status::bad_header_field;
  if (h.input_h == 0 || h.input_w == 0 || h.input_c == 0 || h.classes == 0) return Status::bad_header_field;
  if (!kernels::is_valid_bits(h.output_bits)) return Status::unsupported_bits;
  return Status::ok;
}

// Input table, op records and buffer table: each in bounds and aligned, in this order
// after the header and before the data (weights and channel parameters).
Status check_sections(const BlobHeader& h, uint32_t total) {
  struct Section {
    uint32_t offset;
    uint64_t bytes;
  };
  const Section sections[] = {
      {h.input_lut_offset, static_cast<uint64_t>(blob::kInputLutBytesPerChannel) * h.input_c},
      {h.ops_offset, static_cast<uint64_t>(blob::kOpRecordBytes) * h.op_count},
      {h.buffers_offset, static_cast<uint64_t>(blob::kBufferRecordBytes) * h.buffer_count},
      {h.data_offset, 0},
  };
  for (const Section& s : sections)
    if (s.offset < blob::kHeaderBytes || s.offset + s.bytes > total) return Status::section_out_of_bounds;
  for (const Section& s : sections)
    if (!is_aligned(s.offset)) return Status::section_misaligned;
  for (uint32_t k = 1; k < sizeof(sections) / sizeof(sections[0]); ++k)
    if (sections[k - 1].offset + sections[k - 1].bytes > sections[k].offset) return Status::sections_overlap;
  return Status::ok;
}

// The header's description of the network output must be the last op's output.
Status check_output_fields(const BlobHeader& h, const detail::BlobContext& ctx) {
  const OpRecord last = decode_op_record(ctx.record(ctx.op_count - 1u));
  const bool same = h.output_buffer == last.output_buffer && h.output_bits == last.output_bits &&
                    h.output_zero_point == last.output_zero_point && h.classes == last.out_c && last.out_h == 1 &&
                    last.out_w == 1;
  return same ? Status::ok : Status::bad_header_field;
}

// The op's variant is in the table (after validate_op: its kind and bits are valid).
Status check_linked(const KernelTable& kernels, const detail::BlobContext& ctx, uint16_t index, LoadError* error) {
  const OpVariant variant = op_variant(decode_op_record(ctx.record(index)));
  if (find_kernel(kernels, variant) != nullptr) return Status::ok;
  if (error != nullptr) {
    error->op = index;
    error->variant = variant;
  }
  return Status::kernel_not_linked;
}

uint32_t buffer_offset(const detail::BlobContext& ctx, uint16_t id) { return decode_buffer_record(ctx.buffer(id)).offset; }

}  // namespace

uint32_t load_scratch_bytes(uint16_t buffer_count, uint8_t patch_op_count) {
  const uint32_t buffers = static_cast<uint32_t>(buffer_count) + patch_op_count;
  const uint32_t bytes = buffers * static_cast<uint32_t>(sizeof(ArenaBuffer) + sizeof(uint16_t));
  return (bytes + 3u) & ~3u;
}

Status query_blob_memory(const uint8_t* blob, uint32_t blob_bytes, BlobMemory* memory) {
  if (memory == nullptr) return Status::bad_argument;
  BlobHeader h;
  const Status s = check_header_basics(blob, blob_bytes, &h);
  if (s != Status::ok) return s;
  memory->arena_bytes = h.arena_bytes;
  memory->arena_alignment = h.arena_alignment;
  memory->load_scratch_bytes = load_scratch_bytes(h.buffer_count, h.patch_op_count);
  return Status::ok;
}

Status load_model(const uint8_t* blob, uint32_t blob_bytes, void* scratch, uint32_t scratch_bytes,
                  const KernelTable& kernels, ModelView* model, LoadError* error) {
  return detail::load_model(blob, blob_bytes, scratch, scratch_bytes, kernels, model, error, true);
}

Status detail::load_model(const uint8_t* blob, uint32_t blob_bytes, void* scratch, uint32_t scratch_bytes,
                          const KernelTable& kernels, ModelView* model, LoadError* error, bool refuse_costly_stage) {
  if (error != nullptr) *error = LoadError{};
  if (blob == nullptr || model == nullptr) return Status::bad_argument;
  if ((reinterpret_cast<uintptr_t>(blob) & 3u) != 0) return Status::misaligned_blob;
  BlobHeader h;
  Status s = check_header_basics(blob, blob_bytes, &h);
  if (s != Status::ok) return s;
  if (crc32(blob + blob::kHeaderBytes, blob_bytes - blob::kHeaderBytes) != h.crc32) return Status::checksum_mismatch;
  s = check_header_fields(h);
  if (s == Status::ok) s = check_sections(h, blob_bytes);
  if (s != Status::ok) return s;

  // A stage whose input buffer 0 is empty streams the input (patch_stage.hpp); the stage
  // check then asks it to start at op 0, the buffer check allows that one empty buffer.
  // Without a stage an empty buffer 0 stays a buffer_size_mismatch.
  const bool streamed = h.patch_op_count != 0 && decode_buffer_record(blob + h.buffers_offset).size == 0;
  const detail::BlobContext ctx{blob,          blob_bytes,        h.version, h.op_count, h.buffer_count, h.ops_offset,
                                h.buffers_offset, h.data_offset, h.input_h,  h.input_w,    h.input_c,
                                PatchStage{h.patch_first_op, h.patch_op_count, h.patch_grid, streamed}};
  if (scratch == nullptr || (reinterpret_cast<uintptr_t>(scratch) & 3u) != 0 ||
      scratch_bytes < load_scratch_bytes(ctx.buffer_count, ctx.patch.op_count))
    return Status::load_scratch_too_small;

  for (uint16_t i = 0; i < ctx.op_count; ++i) {
    s = detail::validate_op(ctx, i, error);
    if (s == Status::ok) s = check_linked(kernels, ctx, i, error);
    if (s != Status::ok) return s;
  }
  s = check_output_fields(h, ctx);
  if (s == Status::ok && ctx.patch.present()) {
    uint16_t bad_op = kNoOp;
    s = check_patch_stage(ctx.record(0), ctx.op_count, ctx.patch, &bad_op);
    if (s != Status::ok && error != nullptr) error->op = bad_op;
  }
  if (s != Status::ok) return s;
  s = detail::validate_buffer_table(ctx, h.arena_bytes, h.arena_alignment, scratch, error);
  if (s == Status::ok && refuse_costly_stage)
    s = detail::check_patch_stage_saves_ram(ctx, h.arena_bytes, h.arena_alignment, scratch, error);
  if (s != Status::ok) return s;

  ModelView m;
  m.blob = blob;
  m.blob_bytes = blob_bytes;
  m.input_lut = blob + h.input_lut_offset;
  m.ops = ctx.record(0);
  m.buffers = ctx.buffer(0);
  m.op_count = ctx.op_count;
  m.buffer_count = ctx.buffer_count;
  m.input_h = static_cast<uint16_t>(ctx.input_h);
  m.input_w = static_cast<uint16_t>(ctx.input_w);
  m.input_c = static_cast<uint16_t>(ctx.input_c);
  m.classes = h.classes;
  m.arena_bytes = h.arena_bytes;
  m.arena_alignment = h.arena_alignment;
  m.input_offset = buffer_offset(ctx, 0);
  m.output_offset = buffer_offset(ctx, h.output_buffer);
  m.output_bits = h.output_bits;
  m.output_zero_point = h.output_zero_point;
  m.output_scale = h.output_scale;
  m.patch = ctx.patch;
  m.kernels = &kernels;
  if (ctx.patch.present()) {
    m.patch_window_buffer = static_cast<uint16_t>(ctx.buffer_count - 2u);
    m.patch_tile_buffer = static_cast<uint16_t>(ctx.buffer_count - 1u);
  }
  *model = m;
  return Status::ok;
}

}  // namespace mpq::rt
