#include "libmpq/runtime/op_record.hpp"

#include "libmpq/runtime/little_endian.hpp"

namespace mpq::rt {

namespace f = blob::op;

static_assert(f::pad_bottom + 1 == f::in_h, "the window's bytes run up to in_h");
static_assert(blob::kOpRecordBytes - f::reserved1 == sizeof(OpRecord::reserved1), "reserved1 ends the record");

void encode_op_record(const OpRecord& r, uint8_t* out) {
  out[f::kind] = r.kind;
  out[f::flags] = r.flags;
  out[f::input_bits] = r.input_bits;
  out[f::input2_bits] = r.input2_bits;
  out[f::weight_bits] = r.weight_bits;
  out[f::output_bits] = r.output_bits;
  out[f::kernel] = r.kernel;
  out[f::stride] = r.stride;
  out[f::padding] = r.padding;
  out[f::kernel_w] = r.kernel_w;
  out[f::stride_w] = r.stride_w;
  out[f::pad_bottom] = r.pad_bottom;
  write_u16(out + f::in_h, r.in_h);
  write_u16(out + f::in_w, r.in_w);
  write_u16(out + f::in_c, r.in_c);
  write_u16(out + f::out_h, r.out_h);
  write_u16(out + f::out_w, r.out_w);
  write_u16(out + f::out_c, r.out_c);
  write_u16(out + f::input_buffer, r.input_buffer);
  write_u16(out + f::input2_buffer, r.input2_buffer);
  write_u16(out + f::output_buffer, r.output_buffer);
  write_u16(out + f::scratch_buffer, r.scratch_buffer);
  write_i32(out + f::input_zero_point, r.input_zero_point);
  write_i32(out + f::input2_zero_point, r.input2_zero_point);
  write_i32(out + f::output_zero_point, r.output_zero_point);
  write_i32(out + f::output_min, r.output_min);
  write_i32(out + f::output_max, r.output_max);
  write_i32(out + f::input_multiplier, r.input_multiplier);
  write_i32(out + f::input_shift, r.input_shift);
  write_i32(out + f::input2_multiplier, r.input2_multiplier);
  write_i32(out + f::input2_shift, r.input2_shift);
  write_i32(out + f::output_multiplier, r.output_multiplier);
  write_i32(out + f::output_shift, r.output_shift);
  write_i32(out + f::left_shift, r.left_shift);
  write_u32(out + f::weights_offset, r.weights_offset);
  write_u32(out + f::weights_bytes, r.weights_bytes);
  write_u32(out + f::channel_params_offset, r.channel_params_offset);
  out[f::pad_left] = r.pad_left;
  out[f::pad_right] = r.pad_right;
  for (uint32_t k = 0; k < sizeof(r.reserved1); ++k) out[f::reserved1 + k] = r.reserved1[k];
}

OpRecord decode_op_record(const uint8_t* in) {
  OpRecord r;
  r.kind = in[f::kind];
  r.flags = in[f::flags];
  r.input_bits = in[f::input_bits];
  r.input2_bits = in[f::input2_bits];
  r.weight_bits = in[f::weight_bits];
  r.output_bits = in[f::output_bits];
  r.kernel = in[f::kernel];
  r.stride = in[f::stride];
  r.padding = in[f::padding];
  r.kernel_w = in[f::kernel_w];
  r.stride_w = in[f::stride_w];
  r.pad_bottom = in[f::pad_bottom];
  r.in_h = read_u16(in + f::in_h);
  r.in_w = read_u16(in + f::in_w);
  r.in_c = read_u16(in + f::in_c);
  r.out_h = read_u16(in + f::out_h);
  r.out_w = read_u16(in + f::out_w);
  r.out_c = read_u16(in + f::out_c);
  r.input_buffer = read_u16(in + f::input_buffer);
  r.input2_buffer = read_u16(in + f::input2_buffer);
  r.output_buffer = read_u16(in + f::output_buffer);
  r.scratch_buffer = read_u16(in + f::scratch_buffer);
  r.input_zero_point = read_i32(in + f::input_zero_point);
  r.input2_zero_point = read_i32(in + f::input2_zero_point);
  r.output_zero_point = read_i32(in + f::output_zero_point);
  r.output_min = read_i32(in + f::output_min);
  r.output_max = read_i32(in + f::output_max);
  r.input_multiplier = read_i32(in + f::input_multiplier);
  r.input_shift = read_i32(in + f::input_shift);
  r.input2_multiplier = read_i32(in + f::input2_multiplier);
  r.input2_shift = read_i32(in + f::input2_shift);
  r.output_multiplier = read_i32(in + f::output_multiplier);
  r.output_shift = read_i32(in + f::output_shift);
  r.left_shift = read_i32(in + f::left_shift);
  r.weights_offset = read_u32(in + f::weights_offset);
  r.weights_bytes = read_u32(in + f::weights_bytes);
  r.channel_params_offset = read_u32(in + f::channel_params_offset);
  r.pad_left = in[f::pad_left];
  r.pad_right = in[f::pad_right];
  for (uint32_t k = 0; k < sizeof(r.reserved1); ++k) r.reserved1[k] = in[f::reserved1 + k];
  return r;
}

bool op_has_weights(uint8_t kind) {
  return kind == blob::op_kind::conv || kind == blob::op_kind::depthwise || kind == blob::op_kind::fc;
}

bool reserved_bytes_zero(const OpRecord& r) {
  uint8_t any = 0;
  for (uint8_t b : r.reserved1) any |= b;
  return any == 0;
}

bool has_long_window(const OpRecord& r) { return r.kernel_w != 0; }

RecordWindow record_window(const OpRecord& r) {
  if (!has_long_window(r)) return {r.kernel, r.kernel, r.stride, r.stride, r.padding, r.padding, r.padding, r.padding};
  return {r.kernel, r.kernel_w, r.stride, r.stride_w, r.padding, r.pad_bottom, r.pad_left, r.pad_right};
}

void set_record_window(OpRecord& r, const RecordWindow& w) {
  const bool square = w.is_square();
  r.kernel = static_cast<uint8_t>(w.kernel_h);
  r.stride = static_cast<uint8_t>(w.stride_h);
  r.padding = static_cast<uint8_t>(w.pad_top);
  r.kernel_w = square ? 0 : static_cast<uint8_t>(w.kernel_w);
  r.stride_w = square ? 0 : static_cast<uint8_t>(w.stride_w);
  r.pad_bottom = square ? 0 : static_cast<uint8_t>(w.pad_bottom);
  r.pad_left = square ? 0 : static_cast<uint8_t>(w.pad_left);
  r.pad_right = square ? 0 : static_cast<uint8_t>(w.pad_right);
}

uint16_t record_version_needed(const OpRecord& r) {
  const uint16_t kind = blob::version_needed(r.kind);
  return has_long_window(r) && kind < blob::kLongWindowVersion ? blob::kLongWindowVersion : kind;
}

bool window_form_valid(const OpRecord& r) {
  if (!has_long_window(r)) return (r.stride_w | r.pad_bottom | r.pad_left | r.pad_right) == 0;
  return !record_window(r).is_square();
}

}  // namespace mpq::rt
