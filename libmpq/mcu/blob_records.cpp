#include "libmpq/mcu/blob_records.hpp"

#include <cstring>

#include "libmpq/core/crc32.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/runtime/little_endian.hpp"

namespace mpq {

BlobHeader decode_blob_header(const uint8_t* in, const std::string& what) {
  const BlobHeader h = rt::decode_blob_header(in);
  if (std::memcmp(h.magic, blob::kMagic, sizeof(blob::kMagic)) != 0)
    throw Error(what + ": not a model blob (magic is not \"MPQM\")");
  if (h.version < blob::kOldestVersion || h.version > blob::kVersion)
    throw Error(what + ": blob version " + std::to_string(h.version) + ", expected " +
                std::to_string(blob::kOldestVersion) + " to " + std::to_string(blob::kVersion));
  return h;
}

BlobHeader blob_header(const BlobLayout& layout) {
  BlobHeader h;
  // The oldest version that holds every op: blobs without version 3's kinds or version 4's
  // long-form windows keep their bytes.
  for (const OpRecord& r : layout.records)
    if (rt::record_version_needed(r) > h.version) h.version = rt::record_version_needed(r);
  h.op_count = static_cast<uint16_t>(layout.records.size());
  h.total_bytes = layout.total_bytes;
  h.arena_bytes = layout.arena.arena_bytes;
  h.buffer_count = static_cast<uint16_t>(layout.arena.buffers.size());
  h.arena_alignment = static_cast<uint16_t>(kArenaAlignment);
  h.input_h = layout.input_h;
  h.input_w = layout.input_w;
  h.input_c = layout.input_c;
  h.classes = layout.classes;
  h.input_lut_offset = layout.input_lut_offset;
  h.ops_offset = layout.ops_offset;
  h.buffers_offset = layout.buffers_offset;
  h.data_offset = layout.data_offset;
  h.output_buffer = layout.records.back().output_buffer;
  h.output_bits = layout.records.back().output_bits;
  h.patch_first_op = layout.arena.patch.first_op;
  h.patch_op_count = layout.arena.patch.op_count;
  h.patch_grid = layout.arena.patch.grid;
  return h;
}

void encode_blob_tables(const BlobHeader& header, const std::vector<OpRecord>& records, const BlobLayout& layout,
                        std::vector<uint8_t>& blob) {
  require(blob.size() == layout.total_bytes && records.size() == layout.ops.size(),
          "blob: " + std::to_string(blob.size()) + " bytes and " + std::to_string(records.size()) +
              " records for a layout of " + std::to_string(layout.total_bytes) + " bytes and " +
              std::to_string(layout.ops.size()) + " ops");
  encode_blob_header(header, blob.data());
  for (size_t i = 0; i < records.size(); ++i) encode_op_record(records[i], blob.data() + layout.ops[i].record_offset);
  for (size_t b = 0; b < layout.arena.buffers.size(); ++b)
    encode_buffer_record(layout.arena.buffers[b], blob.data() + layout.buffers_offset + blob::kBufferRecordBytes * b);
}

std::vector<uint8_t> blob_skeleton(const BlobLayout& layout) {
  std::vector<uint8_t> out(layout.total_bytes, 0);
  encode_blob_tables(blob_header(layout), layout.records, layout, out);
  set_blob_crc(out);
  return out;
}

void set_blob_crc(std::vector<uint8_t>& blob) {
  require(blob.size() >= blob::kHeaderBytes, "blob shorter than its header");
  rt::write_u32(blob.data() + blob::header::crc32,
                crc32(blob.data() + blob::kHeaderBytes, blob.size() - blob::kHeaderBytes));
}

}  // namespace mpq
