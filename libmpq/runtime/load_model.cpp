#include "libmpq/runtime/load_model.hpp"

#include <cstring>

#include "libmpq/kernels/packing.hpp"
#include "libmpq/runtime/blob_format.hpp"
#include "libmpq/runtime/crc32.hpp"
#include "libmpq/runtime/detail/blob_context.hpp"
#include "libmpq/runtime/detail/op_fields.hpp"
#include "libmpq/runtime/detail/read_le.hpp"
#include "libmpq/runtime/plan_arena.hpp"

// Per-channel parameters are handed to the kernels as int32 pointers into the blob, whose
// numbers are little-endian.
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "libmpq/runtime reads the little-endian model blob in place: a little-endian target is required"
#endif

namespace mpq::rt {

namespace {

using detail::read_u16;
using detail::read_u32;
namespace h = blob::header;

bool is_aligned(uint32_t offset) { return offset % blob::kSectionAlignment == 0; }

// Non-null, at least a header, "MPQM", our version, and exactly total_bytes long.
Status check_header_basics(const uint8_t* blob, uint32_t blob_bytes) {
  if (blob == nullptr) return Status::bad_argument;
  if (blob_bytes < blob::kHeaderBytes) return Status::too_short;
  if (std::memcmp(blob + h::magic, blob::kMagic, sizeof(blob::kMagic)) != 0) return Status::bad_magic;
  if (read_u16(blob + h::version) != blob::kVersion) return Status::bad_version;
  if (read_u32(blob + h::total_bytes) != blob_bytes) return Status::size_mismatch;
  return Status::ok;
}

// Header fields on their own: reserved bytes 0, counts and shapes non-zero, the arena
// alignment a power of two the kernels' 4-byte scratch alignment divides.
Status check_header_fields(const uint8_t* blob) {
  if (blob[h::flags] != 0 || read_u32(blob + h::reserved) != 0) return Status::bad_header_field;
  const uint32_t alignment = read_u16(blob + h::arena_alignment);
  if (alignment < 4 || (alignment & (alignment - 1)) != 0) return Status::bad_header_field;
  if (read_u16(blob + h::op_count) == 0 || read_u16(blob + h::buffer_count) == 0) return Status::bad_header_field;
  if (read_u16(blob + h::input_h) == 0 || read_u16(blob + h::input_w) == 0 || read_u16(blob + h::input_c) == 0 ||
      read_u16(blob + h::classes) == 0)
    return Status::bad_header_field;
  if (!kernels::is_valid_bits(blob[h::output_bits])) return Status::unsupported_bits;
  return Status::ok;
}

// Input table, op records and buffer table: each in bounds and aligned, in this order
// after the header and before the data (weights and channel parameters).
Status check_sections(const uint8_t* blob, uint32_t total) {
  struct Section {
    uint32_t offset;
    uint64_t bytes;
  };
  const Section sections[] = {
      {read_u32(blob + h::input_lut_offset),
       static_cast<uint64_t>(blob::kInputLutBytesPerChannel) * read_u16(blob + h::input_c)},
      {read_u32(blob + h::ops_offset), static_cast<uint64_t>(blob::kOpRecordBytes) * read_u16(blob + h::op_count)},
      {read_u32(blob + h::buffers_offset),
       static_cast<uint64_t>(blob::kBufferRecordBytes) * read_u16(blob + h::buffer_count)},
      {read_u32(blob + h::data_offset), 0},
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
Status check_output_fields(const uint8_t* blob, const detail::BlobContext& ctx) {
  const detail::OpFields last = detail::read_op_fields(ctx.record(ctx.op_count - 1u));
  const bool same = read_u16(blob + h::output_buffer) == last.output_buffer &&
                    blob[h::output_bits] == last.output_bits &&
                    detail::read_i32(blob + h::output_zero_point) == last.output_zero_point &&
                    read_u16(blob + h::classes) == last.out_c && last.out_h == 1 && last.out_w == 1;
  return same ? Status::ok : Status::bad_header_field;
}

uint32_t buffer_offset(const detail::BlobContext& ctx, uint16_t id) {
  return read_u32(ctx.buffer(id) + blob::buffer::offset);
}

}  // namespace

uint32_t load_scratch_bytes(uint16_t buffer_count) {
  const uint32_t bytes = buffer_count * static_cast<uint32_t>(sizeof(ArenaBuffer) + sizeof(uint16_t));
  return (bytes + 3u) & ~3u;
}

Status query_blob_memory(const uint8_t* blob, uint32_t blob_bytes, BlobMemory* memory) {
  if (memory == nullptr) return Status::bad_argument;
  const Status s = check_header_basics(blob, blob_bytes);
  if (s != Status::ok) return s;
  memory->arena_bytes = read_u32(blob + h::arena_bytes);
  memory->arena_alignment = read_u16(blob + h::arena_alignment);
  memory->load_scratch_bytes = load_scratch_bytes(read_u16(blob + h::buffer_count));
  return Status::ok;
}

Status load_model(const uint8_t* blob, uint32_t blob_bytes, void* scratch, uint32_t scratch_bytes, ModelView* model,
                  LoadError* error) {
  if (error != nullptr) *error = LoadError{};
  if (blob == nullptr || model == nullptr) return Status::bad_argument;
  if ((reinterpret_cast<uintptr_t>(blob) & 3u) != 0) return Status::misaligned_blob;
  Status s = check_header_basics(blob, blob_bytes);
  if (s != Status::ok) return s;
  if (crc32(blob + blob::kHeaderBytes, blob_bytes - blob::kHeaderBytes) != read_u32(blob + h::crc32))
    return Status::checksum_mismatch;
  s = check_header_fields(blob);
  if (s == Status::ok) s = check_sections(blob, blob_bytes);
  if (s != Status::ok) return s;

  const detail::BlobContext ctx{blob,
                                blob_bytes,
                                read_u16(blob + h::op_count),
                                read_u16(blob + h::buffer_count),
                                read_u32(blob + h::ops_offset),
                                read_u32(blob + h::buffers_offset),
                                read_u32(blob + h::data_offset),
                                read_u16(blob + h::input_h),
                                read_u16(blob + h::input_w),
                                read_u16(blob + h::input_c)};
  if (scratch == nullptr || (reinterpret_cast<uintptr_t>(scratch) & 3u) != 0 ||
      scratch_bytes < load_scratch_bytes(ctx.buffer_count))
    return Status::load_scratch_too_small;

  for (uint16_t i = 0; i < ctx.op_count; ++i) {
    s = detail::validate_op(ctx, i, error);
    if (s != Status::ok) return s;
  }
  s = check_output_fields(blob, ctx);
  if (s != Status::ok) return s;
  const uint32_t arena_bytes = read_u32(blob + h::arena_bytes);
  const uint32_t alignment = read_u16(blob + h::arena_alignment);
  s = detail::validate_buffer_table(ctx, arena_bytes, alignment, scratch, error);
  if (s != Status::ok) return s;

  ModelView m;
  m.blob = blob;
  m.blob_bytes = blob_bytes;
  m.input_lut = blob + read_u32(blob + h::input_lut_offset);
  m.ops = ctx.record(0);
  m.buffers = ctx.buffer(0);
  m.op_count = ctx.op_count;
  m.buffer_count = ctx.buffer_count;
  m.input_h = static_cast<uint16_t>(ctx.input_h);
  m.input_w = static_cast<uint16_t>(ctx.input_w);
  m.input_c = static_cast<uint16_t>(ctx.input_c);
  m.classes = read_u16(blob + h::classes);
  m.arena_bytes = arena_bytes;
  m.arena_alignment = alignment;
  m.input_offset = buffer_offset(ctx, 0);
  m.output_offset = buffer_offset(ctx, read_u16(blob + h::output_buffer));
  m.output_bits = blob[h::output_bits];
  m.output_zero_point = detail::read_i32(blob + h::output_zero_point);
  const uint32_t scale_bits = read_u32(blob + h::output_scale);
  static_assert(sizeof(float) == 4, "IEEE-754 binary32 output scale");
  std::memcpy(&m.output_scale, &scale_bits, sizeof(float));
  *model = m;
  return Status::ok;
}

}  // namespace mpq::rt
