// The blob layout of docs/blob-format.md: sections tile the blob in order, 4-byte aligned,
// and the fixed-size records encode at their documented offsets and decode back.
#include <boost/test/unit_test.hpp>

#include <cstring>

#include "libmpq/core/crc32.hpp"
#include "libmpq/core/rng.hpp"
#include "libmpq/mcu/blob_records.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/quant/op_records.hpp"
#include "mcu/mcu_fixtures.hpp"

using namespace mpq;
using mpq::test::check_error_mentions;

namespace {

Policy random_policy(const QuantGraph& g, Rng& rng) {
  static const int kBits[] = {2, 4, 8};
  Policy p = uniform_policy(g, 8, 8);
  for (LayerBits& l : p.layers) {
    if (l.w_bits != 0) l.w_bits = kBits[rng.below(3)];
    l.a_bits = kBits[rng.below(3)];
  }
  return p;
}

uint32_t le32(const std::vector<uint8_t>& b, uint32_t at) {
  return static_cast<uint32_t>(b[at]) | static_cast<uint32_t>(b[at + 1]) << 8 | static_cast<uint32_t>(b[at + 2]) << 16 |
         static_cast<uint32_t>(b[at + 3]) << 24;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(blob_layout_suite)

BOOST_AUTO_TEST_CASE(sections_tile_the_blob_in_order_and_start_on_4_byte_boundaries) {
  Rng rng(7);
  for (const char* arch : {"mobilenet_v1", "mobilenet_v2", "mnasnet"}) {
    ModelSpec spec;
    spec.arch = arch;
    const QuantGraph g = build_quant_graph(build_model(spec));
    for (int trial = 0; trial < 5; ++trial) {
      const BlobLayout L = blob_layout(op_records(g, random_policy(g, rng)));
      BOOST_TEST(L.input_lut_offset == blob::kHeaderBytes);
      BOOST_TEST(L.ops_offset == L.input_lut_offset + L.input_lut_bytes);
      BOOST_TEST(L.ops_bytes == g.ops.size() * blob::kOpRecordBytes);
      BOOST_TEST(L.buffers_offset == L.ops_offset + L.ops_bytes);
      BOOST_TEST(L.buffers_bytes == L.arena.buffers.size() * blob::kBufferRecordBytes);
      BOOST_TEST(L.data_offset == L.buffers_offset + L.buffers_bytes);
      uint32_t at = L.data_offset;
      for (size_t i = 0; i < g.ops.size(); ++i) {
        const OpSections& s = L.ops[i];
        BOOST_TEST(s.record_offset == L.ops_offset + i * blob::kOpRecordBytes);
        if (!g.ops[i].has_weights()) {
          BOOST_TEST(s.weights_offset == 0u);
          BOOST_TEST(s.channel_params_offset == 0u);
          continue;
        }
        BOOST_TEST(s.weights_offset == at);
        BOOST_TEST(s.weights_offset % 4 == 0u);
        BOOST_TEST(s.weights_padded_bytes % 4 == 0u);
        BOOST_TEST(s.weights_padded_bytes - s.weights_bytes < 4u);
        BOOST_TEST(s.channel_params_offset == at + s.weights_padded_bytes);
        BOOST_TEST(s.channels == static_cast<uint32_t>(g.ops[i].out_c));
        at = s.channel_params_offset + s.channel_params_bytes();
      }
      BOOST_TEST(L.total_bytes == at);
    }
  }
}

BOOST_AUTO_TEST_CASE(skeleton_blob_is_total_bytes_long_and_its_records_decode_back) {
  const QuantGraph g = test::graph_of(test::residual_model());
  Policy p = uniform_policy(g, 4, 8);
  p.layers[2].a_bits = 2;
  const BlobLayout L = blob_layout(op_records(g, p));
  const std::vector<uint8_t> blob = blob_skeleton(L);
  BOOST_REQUIRE_EQUAL(blob.size(), L.total_bytes);
  BOOST_TEST(std::memcmp(blob.data(), "MPQM", 4) == 0);

  const BlobHeader h = decode_blob_header(blob.data(), "skeleton");
  BOOST_TEST(h.version == blob::kOldestVersion);  // no op of a newer kind
  BOOST_TEST(h.op_count == g.ops.size());
  BOOST_TEST(h.total_bytes == L.total_bytes);
  BOOST_TEST(h.crc32 == crc32(blob.data() + blob::kHeaderBytes, blob.size() - blob::kHeaderBytes));
  BOOST_TEST(h.arena_bytes == L.arena.arena_bytes);
  BOOST_TEST(h.buffer_count == L.arena.buffers.size());
  BOOST_TEST(h.arena_alignment == 4);
  BOOST_TEST(h.input_h == 8);
  BOOST_TEST(h.input_w == 8);
  BOOST_TEST(h.input_c == 1);
  BOOST_TEST(h.classes == 3);
  BOOST_TEST(h.input_lut_offset == L.input_lut_offset);
  BOOST_TEST(h.ops_offset == L.ops_offset);
  BOOST_TEST(h.buffers_offset == L.buffers_offset);
  BOOST_TEST(h.data_offset == L.data_offset);
  BOOST_TEST(h.output_buffer == L.arena.ops.back().output);
  BOOST_TEST(h.output_bits == 8);

  for (size_t i = 0; i < g.ops.size(); ++i) {
    const OpRecord& want = L.records[i];
    const OpRecord got = decode_op_record(blob.data() + L.ops[i].record_offset);
    BOOST_TEST(got.kind == static_cast<uint8_t>(g.ops[i].kind));
    BOOST_TEST(got.in_c == want.in_c);
    BOOST_TEST(got.out_c == want.out_c);
    BOOST_TEST(got.kernel == want.kernel);
    BOOST_TEST(got.input_buffer == want.input_buffer);
    BOOST_TEST(got.input2_buffer == want.input2_buffer);
    BOOST_TEST(got.output_buffer == want.output_buffer);
    BOOST_TEST(got.scratch_buffer == want.scratch_buffer);
    BOOST_TEST(got.weights_offset == L.ops[i].weights_offset);
    BOOST_TEST(got.weights_bytes == L.ops[i].weights_bytes);
    BOOST_TEST(got.channel_params_offset == L.ops[i].channel_params_offset);
  }
  const OpRecord add = decode_op_record(blob.data() + L.ops[3].record_offset);
  BOOST_TEST(add.input_bits == 8);
  BOOST_TEST(add.input2_bits == 2);  // pw's output under this policy
  BOOST_TEST(add.weight_bits == 0);
  BOOST_TEST(add.flags == 0);
  BOOST_TEST(decode_op_record(blob.data() + L.ops[0].record_offset).flags == OpRecord::kReluOutput);
  for (size_t b = 0; b < L.arena.buffers.size(); ++b) {
    const rt::ArenaBuffer got = decode_buffer_record(blob.data() + L.buffers_offset + b * blob::kBufferRecordBytes);
    BOOST_TEST(got.size == L.arena.buffers[b].size);
    BOOST_TEST(got.first_step == L.arena.buffers[b].first_step);
    BOOST_TEST(got.last_step == L.arena.buffers[b].last_step);
    BOOST_TEST(got.offset == L.arena.buffers[b].offset);
  }
}

BOOST_AUTO_TEST_CASE(records_are_little_endian_at_the_documented_offsets) {
  OpRecord r;
  r.kind = 3;
  r.in_c = 0x0102;
  r.input2_buffer = 0xBEEF;
  r.output_zero_point = -2;
  r.left_shift = 20;
  r.channel_params_offset = 0x11223344;
  std::vector<uint8_t> bytes(blob::kOpRecordBytes, 0xAA);
  encode_op_record(r, bytes.data());
  BOOST_TEST(bytes[blob::op::kind] == 3);
  BOOST_TEST(bytes[blob::op::in_c] == 0x02);
  BOOST_TEST(bytes[blob::op::in_c + 1] == 0x01);
  BOOST_TEST(bytes[blob::op::input2_buffer] == 0xEF);
  BOOST_TEST(le32(bytes, blob::op::output_zero_point) == 0xFFFFFFFEu);
  BOOST_TEST(le32(bytes, blob::op::left_shift) == 20u);
  BOOST_TEST(le32(bytes, blob::op::channel_params_offset) == 0x11223344u);
  // A square window's long-form bytes and the reserved bytes are zero.
  for (uint32_t at : {blob::op::kernel_w, blob::op::stride_w, blob::op::pad_bottom, blob::op::pad_left,
                      blob::op::pad_right, blob::op::reserved1, blob::op::reserved1 + 1})
    BOOST_TEST(bytes[at] == 0);

  rt::ArenaBuffer b{0x01020304, 7, 9, 0x100};
  std::vector<uint8_t> rec(blob::kBufferRecordBytes);
  encode_buffer_record(b, rec.data());
  BOOST_TEST(le32(rec, 0) == 0x01020304u);
  BOOST_TEST(rec[4] == 7);
  BOOST_TEST(rec[6] == 9);
  BOOST_TEST(le32(rec, 8) == 0x100u);
}

BOOST_AUTO_TEST_CASE(header_decoder_rejects_a_wrong_magic_or_version) {
  std::vector<uint8_t> h(blob::kHeaderBytes);
  encode_blob_header(BlobHeader{}, h.data());
  BOOST_TEST(decode_blob_header(h.data(), "ok").version == blob::kOldestVersion);
  std::vector<uint8_t> bad = h;
  bad[0] = 'X';
  check_error_mentions([&] { decode_blob_header(bad.data(), "model.mpqm"); }, {"model.mpqm", "magic"});
  bad = h;
  bad[blob::header::version] = 9;
  check_error_mentions([&] { decode_blob_header(bad.data(), "model.mpqm"); }, {"model.mpqm", "version 9"});
}

BOOST_AUTO_TEST_CASE(shapes_beyond_the_16_bit_record_fields_are_rejected) {
  Model m(test::small_spec("wide", 1, 1, 3));
  int x = m.add("c1", std::make_unique<Conv2d>(1, 70000, 1, 1, 0), {Model::kInput});
  x = m.add("pool", std::make_unique<GlobalAvgPool>(), {x});
  m.add("fc", std::make_unique<Linear>(70000, 3), {x});
  const QuantGraph g = build_quant_graph(m);
  check_error_mentions([&] { blob_layout(op_records(g, uniform_policy(g, 8, 8))); }, {"c1", "out_c is 70000", "65535"});
}

// ResNet's residual stacks end in a ReLU after the add; the add's output clamp carries it,
// and the record's ReLU flag, which the blob defines for weighted ops only (load_model
// refuses it elsewhere), stays 0.
BOOST_AUTO_TEST_CASE(an_add_followed_by_a_relu_sets_no_relu_flag) {
  Model m(test::small_spec("resnet_stack", 1, 8, 3));
  int r = m.add("c1", std::make_unique<Conv2d>(1, 4, 3, 1, 1), {Model::kInput});
  r = m.add("b1", std::make_unique<BatchNorm>(4), {r});
  r = m.add("r1", std::make_unique<ReLU>(), {r});
  int x = m.add("c2", std::make_unique<Conv2d>(4, 4, 3, 1, 1), {r});
  x = m.add("b2", std::make_unique<BatchNorm>(4), {x});
  x = m.add("add", std::make_unique<Add>(), {r, x});
  x = m.add("r2", std::make_unique<ReLU>(), {x});
  x = m.add("pool", std::make_unique<GlobalAvgPool>(), {x});
  m.add("fc", std::make_unique<Linear>(4, 3), {x});
  const QuantGraph g = test::graph_of(m);
  BOOST_REQUIRE(g.ops.size() == 5);
  BOOST_REQUIRE(g.ops[2].kind == QOpKind::add);
  BOOST_TEST(g.ops[2].relu_output);  // the fake-quant model clamps it at 0
  const std::vector<OpRecord> records = op_records(g, uniform_policy(g, 8, 8));
  BOOST_TEST(records[2].flags == 0);
  BOOST_TEST(records[1].flags == 0);  // c2: no ReLU of its own
  BOOST_TEST(records[0].flags == OpRecord::kReluOutput);
}

BOOST_AUTO_TEST_SUITE_END()
