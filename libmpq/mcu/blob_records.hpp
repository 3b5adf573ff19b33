// The fixed-size records of the model blob (header, op records, buffer table) as host
// structs, their little-endian encoding, and their structural fields filled from a
// BlobLayout. The exporter adds the quantization parameters; docs/blob-format.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "libmpq/mcu/blob_layout.hpp"
#include "libmpq/runtime/buffer_record.hpp"

namespace mpq {

using rt::decode_buffer_record;
using rt::encode_buffer_record;

struct BlobHeader {
  uint16_t version = blob::kVersion;
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
};

struct OpRecord {
  uint8_t kind = 0;  // static_cast<uint8_t>(QOpKind)
  uint8_t flags = 0; // kReluOutput
  uint8_t input_bits = 0, input2_bits = 0, weight_bits = 0, output_bits = 0;
  uint8_t kernel = 1, stride = 1, padding = 0;
  uint16_t in_h = 1, in_w = 1, in_c = 1, out_h = 1, out_w = 1, out_c = 1;
  uint16_t input_buffer = kNoBuffer, input2_buffer = kNoBuffer, output_buffer = kNoBuffer, scratch_buffer = kNoBuffer;
  int32_t input_zero_point = 0, input2_zero_point = 0, output_zero_point = 0;
  int32_t output_min = 0, output_max = 0;
  int32_t input_multiplier = 0, input_shift = 0;
  int32_t input2_multiplier = 0, input2_shift = 0;
  int32_t output_multiplier = 0, output_shift = 0;
  int32_t left_shift = 0;
  uint32_t weights_offset = 0, weights_bytes = 0, channel_params_offset = 0;

  static constexpr uint8_t kReluOutput = blob::kOpFlagReluOutput;
};

// Little-endian encoding into exactly blob::kHeaderBytes / kOpRecordBytes /
// kBufferRecordBytes bytes at `out` (reserved bytes zero), and back.
void encode_blob_header(const BlobHeader& header, uint8_t* out);
void encode_op_record(const OpRecord& record, uint8_t* out);
// Throws Error naming `what` on a wrong magic or version.
BlobHeader decode_blob_header(const uint8_t* in, const std::string& what);
OpRecord decode_op_record(const uint8_t* in);

// Every field the graph and layout determine; the quantization parameters (zero points,
// clamps, multipliers, output scale, CRC) are left 0 for the exporter.
BlobHeader blob_header(const QuantGraph& graph, const BlobLayout& layout);
OpRecord op_record(const QuantGraph& graph, const BlobLayout& layout, size_t op);

// A whole blob of layout.total_bytes: header, zero input LUT, op records and buffer table
// from the two functions above, zero weights and channel parameters, CRC set. The
// exporter overwrites the quantized contents and calls set_blob_crc.
std::vector<uint8_t> blob_skeleton(const QuantGraph& graph, const BlobLayout& layout);
void set_blob_crc(std::vector<uint8_t>& blob);

}  // namespace mpq
