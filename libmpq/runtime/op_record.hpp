// One op record of the model blob (blob::op, docs/blob-format.md) as a struct, and its
// little-endian codec: the only place the record's fields are written down. load_model and
// run_model decode it; the host builds it (libmpq/quant), lays it out (libmpq/mcu) and
// fills it (libmpq/export) as this struct, and encodes it once.
#pragma once

#include <cstdint>

#include "libmpq/runtime/blob_format.hpp"

namespace mpq::rt {

struct OpRecord {
  uint8_t kind = 0;   // blob::op_kind
  uint8_t flags = 0;  // kReluOutput or 0
  uint8_t input_bits = 0, input2_bits = 0, weight_bits = 0, output_bits = 0;
  uint8_t kernel = 1, stride = 1, padding = 0;
  uint8_t reserved0[3] = {0, 0, 0};  // kept as read, so that load_model can require zeros
  // Fully connected ops take in_c values: the format stores their input as 1 x 1 x in_c.
  uint16_t in_h = 1, in_w = 1, in_c = 1, out_h = 1, out_w = 1, out_c = 1;
  uint16_t input_buffer = blob::kNoBuffer, input2_buffer = blob::kNoBuffer;
  uint16_t output_buffer = blob::kNoBuffer, scratch_buffer = blob::kNoBuffer;
  int32_t input_zero_point = 0, input2_zero_point = 0, output_zero_point = 0;
  int32_t output_min = 0, output_max = 0;
  int32_t input_multiplier = 0, input_shift = 0;
  int32_t input2_multiplier = 0, input2_shift = 0;
  int32_t output_multiplier = 0, output_shift = 0;
  int32_t left_shift = 0;
  uint32_t weights_offset = 0, weights_bytes = 0, channel_params_offset = 0;
  uint8_t reserved1[4] = {0, 0, 0, 0};

  static constexpr uint8_t kReluOutput = blob::kOpFlagReluOutput;
};

// Requires `out` / `in` to hold blob::kOpRecordBytes bytes. decode(encode(r)) == r and
// encode(decode(bytes)) == bytes: every byte of the record is a field.
void encode_op_record(const OpRecord& record, uint8_t* out);
OpRecord decode_op_record(const uint8_t* in);

// conv, depthwise and fc carry weights and per-channel parameters.
bool op_has_weights(uint8_t kind);
// Both reserved byte ranges are zero, as versions 1 and 2 require.
bool reserved_bytes_zero(const OpRecord& record);

}  // namespace mpq::rt
