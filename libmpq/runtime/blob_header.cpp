#include "libmpq/runtime/blob_header.hpp"

#include <cstring>

#include "libmpq/runtime/little_endian.hpp"

namespace mpq::rt {

namespace f = blob::header;

static_assert(sizeof(float) == 4, "IEEE-754 binary32 output scale");

void encode_blob_header(const BlobHeader& h, uint8_t* out) {
  std::memcpy(out + f::magic, h.magic, sizeof(h.magic));
  write_u16(out + f::version, h.version);
  write_u16(out + f::op_count, h.op_count);
  write_u32(out + f::total_bytes, h.total_bytes);
  write_u32(out + f::crc32, h.crc32);
  write_u32(out + f::arena_bytes, h.arena_bytes);
  write_u16(out + f::buffer_count, h.buffer_count);
  write_u16(out + f::arena_alignment, h.arena_alignment);
  write_u16(out + f::input_h, h.input_h);
  write_u16(out + f::input_w, h.input_w);
  write_u16(out + f::input_c, h.input_c);
  write_u16(out + f::classes, h.classes);
  write_i32(out + f::output_zero_point, h.output_zero_point);
  uint32_t scale_bits = 0;
  std::memcpy(&scale_bits, &h.output_scale, sizeof(scale_bits));
  write_u32(out + f::output_scale, scale_bits);
  write_u32(out + f::input_lut_offset, h.input_lut_offset);
  write_u32(out + f::ops_offset, h.ops_offset);
  write_u32(out + f::buffers_offset, h.buffers_offset);
  write_u32(out + f::data_offset, h.data_offset);
  write_u16(out + f::output_buffer, h.output_buffer);
  out[f::output_bits] = h.output_bits;
  out[f::flags] = h.flags;
  write_u16(out + f::patch_first_op, h.patch_first_op);
  out[f::patch_op_count] = h.patch_op_count;
  out[f::patch_grid] = h.patch_grid;
}

BlobHeader decode_blob_header(const uint8_t* in) {
  BlobHeader h;
  std::memcpy(h.magic, in + f::magic, sizeof(h.magic));
  h.version = read_u16(in + f::version);
  h.op_count = read_u16(in + f::op_count);
  h.total_bytes = read_u32(in + f::total_bytes);
  h.crc32 = read_u32(in + f::crc32);
  h.arena_bytes = read_u32(in + f::arena_bytes);
  h.buffer_count = read_u16(in + f::buffer_count);
  h.arena_alignment = read_u16(in + f::arena_alignment);
  h.input_h = read_u16(in + f::input_h);
  h.input_w = read_u16(in + f::input_w);
  h.input_c = read_u16(in + f::input_c);
  h.classes = read_u16(in + f::classes);
  h.output_zero_point = read_i32(in + f::output_zero_point);
  const uint32_t scale_bits = read_u32(in + f::output_scale);
  std::memcpy(&h.output_scale, &scale_bits, sizeof(scale_bits));
  h.input_lut_offset = read_u32(in + f::input_lut_offset);
  h.ops_offset = read_u32(in + f::ops_offset);
  h.buffers_offset = read_u32(in + f::buffers_offset);
  h.data_offset = read_u32(in + f::data_offset);
  h.output_buffer = read_u16(in + f::output_buffer);
  h.output_bits = in[f::output_bits];
  h.flags = in[f::flags];
  h.patch_first_op = read_u16(in + f::patch_first_op);
  h.patch_op_count = in[f::patch_op_count];
  h.patch_grid = in[f::patch_grid];
  return h;
}

}  // namespace mpq::rt
