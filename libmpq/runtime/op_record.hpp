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
  // The window as stored (blob::op): read it through record_window, write it through
  // set_record_window. kernel_w == 0: the short form, a square window.
  uint8_t kernel = 1, stride = 1, padding = 0;
  uint8_t kernel_w = 0, stride_w = 0, pad_bottom = 0;
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
  uint8_t pad_left = 0, pad_right = 0;
  uint8_t reserved1[2] = {0, 0};  // kept as read, so that load_model can require zeros

  static constexpr uint8_t kReluOutput = blob::kOpFlagReluOutput;
};

// Requires `out` / `in` to hold blob::kOpRecordBytes bytes. decode(encode(r)) == r and
// encode(decode(bytes)) == bytes: every byte of the record is a field.
void encode_op_record(const OpRecord& record, uint8_t* out);
OpRecord decode_op_record(const uint8_t* in);

// conv, depthwise and fc carry weights and per-channel parameters.
bool op_has_weights(uint8_t kind);
// The reserved bytes are zero, as every version requires.
bool reserved_bytes_zero(const OpRecord& record);

// A record's window, per axis and side, from either form.
struct RecordWindow {
  int32_t kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1;
  int32_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;

  bool is_square() const {
    return kernel_h == kernel_w && stride_h == stride_w && pad_top == pad_bottom && pad_top == pad_left &&
           pad_top == pad_right;
  }
};
bool has_long_window(const OpRecord& record);  // kernel_w != 0
RecordWindow record_window(const OpRecord& record);
// Stores `window` (every field in 0..255) in the short form when it is square, else in the
// long form (version 4: blob::kLongWindowVersion).
void set_record_window(OpRecord& record, const RecordWindow& window);
// The oldest blob version that holds the record: its kind's, or the long form's.
uint16_t record_version_needed(const OpRecord& record);
// Short form: the long form's fields are 0. Long form: the window is not square (a square
// one has the short form only, so a window has one encoding).
bool window_form_valid(const OpRecord& record);

}  // namespace mpq::rt
