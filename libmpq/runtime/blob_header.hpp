// The model blob's header (blob::header, docs/blob-format.md) as a struct, and its
// little-endian codec: load_model decodes it once, the host encoders fill and encode it.
#pragma once

#include <cstdint>

#include "libmpq/runtime/blob_format.hpp"

namespace mpq::rt {

struct BlobHeader {
  uint8_t magic[4] = {blob::kMagic[0], blob::kMagic[1], blob::kMagic[2], blob::kMagic[3]};
  uint16_t version = blob::kOldestVersion;  // writers stamp the oldest that holds their ops
  uint16_t op_count = 0;
  uint32_t total_bytes = 0;
  uint32_t crc32 = 0;
  uint32_t arena_bytes = 0;
  uint16_t buffer_count = 0;
  uint16_t arena_alignment = 0;
  uint16_t input_h = 0, input_w = 0, input_c = 0;
  uint16_t classes = 0;
  int32_t output_zero_point = 0;
  float output_scale = 0.f;
  uint32_t input_lut_offset = 0, ops_offset = 0, buffers_offset = 0, data_offset = 0;
  uint16_t output_buffer = 0;
  uint8_t output_bits = 0;
  uint8_t flags = 0;                      // 0 (versions 1 to 3)
  uint16_t patch_first_op = 0;            // the patch stage; all 0 without one
  uint8_t patch_op_count = 0;
  uint8_t patch_grid = 0;
};

// Requires `out` / `in` to hold blob::kHeaderBytes bytes; every byte is a field, so
// encode(decode(bytes)) == bytes. The decoder checks nothing (load_model does).
void encode_blob_header(const BlobHeader& header, uint8_t* out);
BlobHeader decode_blob_header(const uint8_t* in);

}  // namespace mpq::rt
