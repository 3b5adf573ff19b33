#include "libmpq/runtime/op_record.hpp"

#include "libmpq/runtime/little_endian.hpp"

namespace mpq::rt {

namespace f = blob::op;

static_assert(f::in_h - f::reserved0 == sizeof(OpRecord::reserved0), "reserved0 spans up to in_h");
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
  for (uint32_t k = 0; k < sizeof(r.reserved0); ++k) out[f::reserved0 + k] = r.reserved0[k];
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
  for (uint32_t k = 0; k < sizeof(r.reserved0); ++k) r.reserved0[k] = in[f::reserved0 + k];
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
  for (uint32_t k = 0; k < sizeof(r.reserved1); ++k) r.reserved1[k] = in[f::reserved1 + k];
  return r;
}

bool op_has_weights(uint8_t kind) {
  return kind == blob::op_kind::conv || kind == blob::op_kind::depthwise || kind == blob::op_kind::fc;
}

bool reserved_bytes_zero(const OpRecord& r) {
  uint8_t any = 0;
  for (uint8_t b : r.reserved0) any |= b;
  for (uint8_t b : r.reserved1) any |= b;
  return any == 0;
}

}  // namespace mpq::rt
