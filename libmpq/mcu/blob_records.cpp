#include "libmpq/mcu/blob_records.hpp"

#include <cstring>

#include "libmpq/core/crc32.hpp"
#include "libmpq/core/error.hpp"

namespace mpq {

static_assert(kQOpKindCount == blob::op_kind::count && static_cast<int>(QOpKind::conv) == blob::op_kind::conv &&
                  static_cast<int>(QOpKind::depthwise) == blob::op_kind::depthwise &&
                  static_cast<int>(QOpKind::fc) == blob::op_kind::fc && static_cast<int>(QOpKind::add) == blob::op_kind::add &&
                  static_cast<int>(QOpKind::avgpool) == blob::op_kind::avgpool,
              "op record kinds are the QOpKind values; a new kind needs a new blob version");

namespace {

void put8(uint8_t* p, uint32_t at, uint8_t v) { p[at] = v; }
void put16(uint8_t* p, uint32_t at, uint16_t v) {
  p[at] = static_cast<uint8_t>(v);
  p[at + 1] = static_cast<uint8_t>(v >> 8);
}
void put32(uint8_t* p, uint32_t at, uint32_t v) {
  for (int k = 0; k < 4; ++k) p[at + k] = static_cast<uint8_t>(v >> (8 * k));
}
void puti32(uint8_t* p, uint32_t at, int32_t v) { put32(p, at, static_cast<uint32_t>(v)); }
uint16_t get16(const uint8_t* p, uint32_t at) { return static_cast<uint16_t>(p[at] | (p[at + 1] << 8)); }
uint32_t get32(const uint8_t* p, uint32_t at) {
  uint32_t v = 0;
  for (int k = 3; k >= 0; --k) v = (v << 8) | p[at + k];
  return v;
}
int32_t geti32(const uint8_t* p, uint32_t at) { return static_cast<int32_t>(get32(p, at)); }

}  // namespace

void encode_blob_header(const BlobHeader& h, uint8_t* out) {
  namespace f = blob::header;
  std::memset(out, 0, blob::kHeaderBytes);
  std::memcpy(out + f::magic, blob::kMagic, 4);
  put16(out, f::version, h.version);
  put16(out, f::op_count, h.op_count);
  put32(out, f::total_bytes, h.total_bytes);
  put32(out, f::crc32, h.crc32);
  put32(out, f::arena_bytes, h.arena_bytes);
  put16(out, f::buffer_count, h.buffer_count);
  put16(out, f::arena_alignment, h.arena_alignment);
  put16(out, f::input_h, h.input_h);
  put16(out, f::input_w, h.input_w);
  put16(out, f::input_c, h.input_c);
  put16(out, f::classes, h.classes);
  puti32(out, f::output_zero_point, h.output_zero_point);
  uint32_t scale_bits = 0;
  static_assert(sizeof(float) == 4, "IEEE-754 binary32");
  std::memcpy(&scale_bits, &h.output_scale, 4);
  put32(out, f::output_scale, scale_bits);
  put32(out, f::input_lut_offset, h.input_lut_offset);
  put32(out, f::ops_offset, h.ops_offset);
  put32(out, f::buffers_offset, h.buffers_offset);
  put32(out, f::data_offset, h.data_offset);
  put16(out, f::output_buffer, h.output_buffer);
  put8(out, f::output_bits, h.output_bits);
}

BlobHeader decode_blob_header(const uint8_t* in, const std::string& what) {
  namespace f = blob::header;
  if (std::memcmp(in + f::magic, blob::kMagic, 4) != 0) throw Error(what + ": not a model blob (magic is not \"MPQM\")");
  BlobHeader h;
  h.version = get16(in, f::version);
  if (h.version != blob::kVersion)
    throw Error(what + ": blob version " + std::to_string(h.version) + ", expected " + std::to_string(blob::kVersion));
  h.op_count = get16(in, f::op_count);
  h.total_bytes = get32(in, f::total_bytes);
  h.crc32 = get32(in, f::crc32);
  h.arena_bytes = get32(in, f::arena_bytes);
  h.buffer_count = get16(in, f::buffer_count);
  h.arena_alignment = get16(in, f::arena_alignment);
  h.input_h = get16(in, f::input_h);
  h.input_w = get16(in, f::input_w);
  h.input_c = get16(in, f::input_c);
  h.classes = get16(in, f::classes);
  h.output_zero_point = geti32(in, f::output_zero_point);
  const uint32_t scale_bits = get32(in, f::output_scale);
  std::memcpy(&h.output_scale, &scale_bits, 4);
  h.input_lut_offset = get32(in, f::input_lut_offset);
  h.ops_offset = get32(in, f::ops_offset);
  h.buffers_offset = get32(in, f::buffers_offset);
  h.data_offset = get32(in, f::data_offset);
  h.output_buffer = get16(in, f::output_buffer);
  h.output_bits = in[f::output_bits];
  return h;
}

void encode_op_record(const OpRecord& r, uint8_t* out) {
  namespace f = blob::op;
  std::memset(out, 0, blob::kOpRecordBytes);
  put8(out, f::kind, r.kind);
  put8(out, f::flags, r.flags);
  put8(out, f::input_bits, r.input_bits);
  put8(out, f::input2_bits, r.input2_bits);
  put8(out, f::weight_bits, r.weight_bits);
  put8(out, f::output_bits, r.output_bits);
  put8(out, f::kernel, r.kernel);
  put8(out, f::stride, r.stride);
  put8(out, f::padding, r.padding);
  put16(out, f::in_h, r.in_h);
  put16(out, f::in_w, r.in_w);
  put16(out, f::in_c, r.in_c);
  put16(out, f::out_h, r.out_h);
  put16(out, f::out_w, r.out_w);
  put16(out, f::out_c, r.out_c);
  put16(out, f::input_buffer, r.input_buffer);
  put16(out, f::input2_buffer, r.input2_buffer);
  put16(out, f::output_buffer, r.output_buffer);
  put16(out, f::scratch_buffer, r.scratch_buffer);
  puti32(out, f::input_zero_point, r.input_zero_point);
  puti32(out, f::input2_zero_point, r.input2_zero_point);
  puti32(out, f::output_zero_point, r.output_zero_point);
  puti32(out, f::output_min, r.output_min);
  puti32(out, f::output_max, r.output_max);
  puti32(out, f::input_multiplier, r.input_multiplier);
  puti32(out, f::input_shift, r.input_shift);
  puti32(out, f::input2_multiplier, r.input2_multiplier);
  puti32(out, f::input2_shift, r.input2_shift);
  puti32(out, f::output_multiplier, r.output_multiplier);
  puti32(out, f::output_shift, r.output_shift);
  puti32(out, f::left_shift, r.left_shift);
  put32(out, f::weights_offset, r.weights_offset);
  put32(out, f::weights_bytes, r.weights_bytes);
  put32(out, f::channel_params_offset, r.channel_params_offset);
}

OpRecord decode_op_record(const uint8_t* in) {
  namespace f = blob::op;
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
  r.in_h = get16(in, f::in_h);
  r.in_w = get16(in, f::in_w);
  r.in_c = get16(in, f::in_c);
  r.out_h = get16(in, f::out_h);
  r.out_w = get16(in, f::out_w);
  r.out_c = get16(in, f::out_c);
  r.input_buffer = get16(in, f::input_buffer);
  r.input2_buffer = get16(in, f::input2_buffer);
  r.output_buffer = get16(in, f::output_buffer);
  r.scratch_buffer = get16(in, f::scratch_buffer);
  r.input_zero_point = geti32(in, f::input_zero_point);
  r.input2_zero_point = geti32(in, f::input2_zero_point);
  r.output_zero_point = geti32(in, f::output_zero_point);
  r.output_min = geti32(in, f::output_min);
  r.output_max = geti32(in, f::output_max);
  r.input_multiplier = geti32(in, f::input_multiplier);
  r.input_shift = geti32(in, f::input_shift);
  r.input2_multiplier = geti32(in, f::input2_multiplier);
  r.input2_shift = geti32(in, f::input2_shift);
  r.output_multiplier = geti32(in, f::output_multiplier);
  r.output_shift = geti32(in, f::output_shift);
  r.left_shift = geti32(in, f::left_shift);
  r.weights_offset = get32(in, f::weights_offset);
  r.weights_bytes = get32(in, f::weights_bytes);
  r.channel_params_offset = get32(in, f::channel_params_offset);
  return r;
}

BlobHeader blob_header(const QuantGraph& graph, const BlobLayout& layout) {
  BlobHeader h;
  h.op_count = static_cast<uint16_t>(graph.ops.size());
  h.total_bytes = layout.total_bytes;
  h.arena_bytes = layout.arena.arena_bytes;
  h.buffer_count = static_cast<uint16_t>(layout.arena.buffers.size());
  h.arena_alignment = static_cast<uint16_t>(kArenaAlignment);
  h.input_h = static_cast<uint16_t>(graph.spec.in_height);
  h.input_w = static_cast<uint16_t>(graph.spec.in_width);
  h.input_c = static_cast<uint16_t>(graph.spec.in_channels);
  h.classes = static_cast<uint16_t>(graph.spec.classes);
  h.input_lut_offset = layout.input_lut_offset;
  h.ops_offset = layout.ops_offset;
  h.buffers_offset = layout.buffers_offset;
  h.data_offset = layout.data_offset;
  h.output_buffer = layout.arena.ops.back().output;
  h.output_bits = static_cast<uint8_t>(layout.bits.back().output_bits);
  return h;
}

OpRecord op_record(const QuantGraph& graph, const BlobLayout& layout, size_t i) {
  const QOp& op = graph.ops[i];
  const OpBits& bits = layout.bits[i];
  const OpBuffers& ids = layout.arena.ops[i];
  const OpSections& s = layout.ops[i];
  OpRecord r;
  r.kind = static_cast<uint8_t>(op.kind);
  r.flags = op.relu_output ? OpRecord::kReluOutput : 0;
  r.input_bits = static_cast<uint8_t>(bits.input_bits[0]);
  r.input2_bits = static_cast<uint8_t>(bits.input_bits[1]);
  r.weight_bits = static_cast<uint8_t>(bits.weight_bits);
  r.output_bits = static_cast<uint8_t>(bits.output_bits);
  r.kernel = static_cast<uint8_t>(op.kernel);
  r.stride = static_cast<uint8_t>(op.stride);
  r.padding = static_cast<uint8_t>(op.padding);
  r.in_h = static_cast<uint16_t>(op.in_h);
  r.in_w = static_cast<uint16_t>(op.in_w);
  r.in_c = static_cast<uint16_t>(op.in_c);
  r.out_h = static_cast<uint16_t>(op.out_h);
  r.out_w = static_cast<uint16_t>(op.out_w);
  r.out_c = static_cast<uint16_t>(op.out_c);
  r.input_buffer = ids.input[0];
  r.input2_buffer = ids.input[1];
  r.output_buffer = ids.output;
  r.scratch_buffer = ids.scratch;
  r.weights_offset = s.weights_offset;
  r.weights_bytes = s.weights_bytes;
  r.channel_params_offset = s.channel_params_offset;
  return r;
}

std::vector<uint8_t> blob_skeleton(const QuantGraph& graph, const BlobLayout& layout) {
  std::vector<uint8_t> out(layout.total_bytes, 0);
  encode_blob_header(blob_header(graph, layout), out.data());
  for (size_t i = 0; i < graph.ops.size(); ++i)
    encode_op_record(op_record(graph, layout, i), out.data() + layout.ops[i].record_offset);
  for (size_t b = 0; b < layout.arena.buffers.size(); ++b)
    encode_buffer_record(layout.arena.buffers[b], out.data() + layout.buffers_offset + blob::kBufferRecordBytes * b);
  set_blob_crc(out);
  return out;
}

void set_blob_crc(std::vector<uint8_t>& blob) {
  require(blob.size() >= blob::kHeaderBytes, "blob shorter than its header");
  put32(blob.data(), blob::header::crc32, crc32(blob.data() + blob::kHeaderBytes, blob.size() - blob::kHeaderBytes));
}

}  // namespace mpq
