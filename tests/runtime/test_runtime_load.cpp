// load_model accepts the blobs the host tools write and names every corruption: each test
// damages one thing (recomputing the CRC when the damage is behind it) and expects the
// status, and the op or buffer, that points at it.
#include <boost/test/unit_test.hpp>

#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "libmpq/mcu/blob_layout.hpp"
#include "mcu/mcu_fixtures.hpp"
#include "runtime/load_checks.hpp"
#include "runtime/runtime_fixtures.hpp"

using namespace mpq;
using rt::Status;

namespace {

// The residual model (conv, depthwise, pointwise, add, pool, fc) at mixed bits: every op
// kind and every field in use.
struct ResidualBlob : test::MixedBlob {
  ResidualBlob() : MixedBlob(test::residual_model(), 7) {}
};

}  // namespace

BOOST_AUTO_TEST_SUITE(runtime_load)

BOOST_AUTO_TEST_CASE(valid_blob_loads_and_view_matches_the_header) {
  ResidualBlob f;
  const test::LoadResult r = test::load(f.blob);
  BOOST_REQUIRE_MESSAGE(r.status == Status::ok, rt::status_name(r.status));
  const BlobHeader h = decode_blob_header(f.blob.data(), "blob");
  BOOST_TEST(r.model.op_count == h.op_count);
  BOOST_TEST(r.model.buffer_count == h.buffer_count);
  BOOST_TEST(r.model.arena_bytes == h.arena_bytes);
  BOOST_TEST(r.model.classes == 3u);
  BOOST_TEST(r.model.output_bits == h.output_bits);
  BOOST_TEST(r.model.output_zero_point == h.output_zero_point);
  BOOST_TEST(r.model.output_scale == 0.125f);
  BOOST_TEST(r.model.input_offset == decode_buffer_record(f.blob.data() + h.buffers_offset).offset);
}

BOOST_AUTO_TEST_CASE(query_reports_arena_and_load_scratch_from_the_header_alone) {
  ResidualBlob f;
  rt::BlobMemory memory{};
  BOOST_REQUIRE(rt::query_blob_memory(f.blob.data(), static_cast<uint32_t>(f.blob.size()), &memory) == Status::ok);
  const BlobHeader h = decode_blob_header(f.blob.data(), "blob");
  BOOST_TEST(memory.arena_bytes == h.arena_bytes);
  BOOST_TEST(memory.arena_alignment == 4u);
  BOOST_TEST(memory.load_scratch_bytes == rt::load_scratch_bytes(h.buffer_count));
  BOOST_TEST(memory.load_scratch_bytes >= h.buffer_count * 14u);
  std::vector<uint8_t> bad = f.blob;
  bad[0] = 'X';
  BOOST_TEST(rt::query_blob_memory(bad.data(), static_cast<uint32_t>(bad.size()), &memory) == Status::bad_magic);
}

BOOST_AUTO_TEST_CASE(the_arena_itself_serves_as_load_scratch) {
  ResidualBlob f;
  rt::BlobMemory memory{};
  BOOST_REQUIRE(rt::query_blob_memory(f.blob.data(), static_cast<uint32_t>(f.blob.size()), &memory) == Status::ok);
  BOOST_REQUIRE(memory.arena_bytes >= memory.load_scratch_bytes);
  std::vector<uint32_t> arena(memory.arena_bytes / 4);
  rt::ModelView model;
  BOOST_TEST(rt::load_model(f.blob.data(), static_cast<uint32_t>(f.blob.size()), arena.data(), memory.arena_bytes,
                            &model) == Status::ok);
  const std::vector<uint8_t> image = test::random_image(f.graph, 1);
  BOOST_TEST(rt::run_model(model, image.data(), arena.data(), memory.arena_bytes) == Status::ok);
}

BOOST_AUTO_TEST_CASE(null_pointers_are_bad_arguments) {
  ResidualBlob f;
  rt::ModelView model;
  std::vector<uint32_t> scratch(1024);
  BOOST_TEST(rt::load_model(nullptr, 100, scratch.data(), 4096, &model) == Status::bad_argument);
  BOOST_TEST(rt::load_model(f.blob.data(), static_cast<uint32_t>(f.blob.size()), scratch.data(), 4096, nullptr) ==
             Status::bad_argument);
}

BOOST_AUTO_TEST_CASE(blob_not_on_a_4_byte_boundary_is_misaligned) {
  ResidualBlob f;
  std::vector<uint8_t> shifted(f.blob.size() + 1);
  std::memcpy(shifted.data() + 1, f.blob.data(), f.blob.size());
  rt::ModelView model;
  std::vector<uint32_t> scratch(1024);
  BOOST_TEST(rt::load_model(shifted.data() + 1, static_cast<uint32_t>(f.blob.size()), scratch.data(), 4096, &model) ==
             Status::misaligned_blob);
}

BOOST_AUTO_TEST_CASE(flipped_byte_after_the_header_is_a_checksum_mismatch) {
  ResidualBlob f;
  for (size_t at : {size_t{64}, f.blob.size() / 2, f.blob.size() - 1}) {
    std::vector<uint8_t> bad = f.blob;
    bad[at] ^= 0x10;
    CHECK_STATUS(bad, Status::checksum_mismatch);
  }
}

BOOST_AUTO_TEST_CASE(truncated_blob_is_too_short_or_a_size_mismatch) {
  ResidualBlob f;
  CHECK_STATUS(std::vector<uint8_t>(f.blob.begin(), f.blob.begin() + 40), Status::too_short);
  CHECK_STATUS(std::vector<uint8_t>(f.blob.begin(), f.blob.end() - 4), Status::size_mismatch);
  std::vector<uint8_t> longer = f.blob;
  longer.resize(longer.size() + 4, 0);
  CHECK_STATUS(longer, Status::size_mismatch);
}

BOOST_AUTO_TEST_CASE(wrong_magic_or_version_is_named) {
  ResidualBlob f;
  std::vector<uint8_t> bad = f.blob;
  bad[3] = 'X';
  CHECK_STATUS(bad, Status::bad_magic);
  // Version 1 carried sub-byte weights' biases at s_in * s_w: its blobs would be misread.
  test::edit_header(bad = f.blob, [](BlobHeader& h) { h.version = 1; });
  CHECK_STATUS(bad, Status::bad_version);
  test::edit_header(bad = f.blob, [](BlobHeader& h) { h.version = blob::kVersion + 1; });
  CHECK_STATUS(bad, Status::bad_version);
  // Version 3 only adds op kinds: a version 2 model stamped 3 is still read.
  test::edit_header(bad = f.blob, [](BlobHeader& h) { h.version = 3; });
  CHECK_STATUS(bad, Status::ok);
}

BOOST_AUTO_TEST_CASE(header_fields_that_contradict_the_ops_are_bad_header_fields) {
  ResidualBlob f;
  std::vector<uint8_t> bad = f.blob;
  bad[blob::header::patch_first_op + 1] = 1;  // a stage start without a stage
  CHECK_STATUS(bad, Status::bad_header_field);
  bad = f.blob;
  bad[blob::header::flags] = 1;
  CHECK_STATUS(bad, Status::bad_header_field);
  test::edit_header(bad = f.blob, [](BlobHeader& h) { h.arena_alignment = 6; });
  CHECK_STATUS(bad, Status::bad_header_field);
  test::edit_header(bad = f.blob, [](BlobHeader& h) { h.classes = 4; });
  CHECK_STATUS(bad, Status::bad_header_field);
  test::edit_header(bad = f.blob, [](BlobHeader& h) { h.output_zero_point += 1; });
  CHECK_STATUS(bad, Status::bad_header_field);
  test::edit_header(bad = f.blob, [](BlobHeader& h) { h.output_buffer = 1; });
  CHECK_STATUS(bad, Status::bad_header_field);
  test::edit_header(bad = f.blob, [](BlobHeader& h) { h.output_bits = 3; });
  CHECK_STATUS(bad, Status::unsupported_bits);
}

BOOST_AUTO_TEST_CASE(section_offsets_out_of_bounds_are_refused_with_a_valid_crc) {
  ResidualBlob f;
  const uint32_t total = static_cast<uint32_t>(f.blob.size());
  std::vector<uint8_t> bad;
  test::edit_header(bad = f.blob, [&](BlobHeader& h) { h.buffers_offset = total - 4; });
  CHECK_STATUS(bad, Status::section_out_of_bounds);
  test::edit_header(bad = f.blob, [](BlobHeader& h) { h.input_lut_offset = 32; });  // inside the header
  CHECK_STATUS(bad, Status::section_out_of_bounds);
  test::edit_header(bad = f.blob, [&](BlobHeader& h) { h.data_offset = total + 4; });
  CHECK_STATUS(bad, Status::section_out_of_bounds);
  const size_t conv = f.op_of_kind(QOpKind::conv);
  test::edit_op(bad = f.blob, conv, [&](OpRecord& r) { r.weights_offset = total - 4; });
  CHECK_STATUS(bad, Status::section_out_of_bounds);
  test::edit_op(bad = f.blob, conv, [&](OpRecord& r) { r.channel_params_offset = total - 8; });
  CHECK_STATUS(bad, Status::section_out_of_bounds);
  test::edit_op(bad = f.blob, conv, [&](OpRecord& r) { r.weights_offset = 64; });  // before the data
  CHECK_STATUS(bad, Status::section_out_of_bounds);
  BOOST_TEST(test::load(bad).error.op == conv);
}

BOOST_AUTO_TEST_CASE(misaligned_or_overlapping_sections_are_refused) {
  ResidualBlob f;
  std::vector<uint8_t> bad;
  test::edit_header(bad = f.blob, [](BlobHeader& h) { h.ops_offset += 2; });
  CHECK_STATUS(bad, Status::section_misaligned);
  test::edit_op(bad = f.blob, f.op_of_kind(QOpKind::conv), [](OpRecord& r) { r.channel_params_offset += 2; });
  CHECK_STATUS(bad, Status::section_misaligned);
  test::edit_header(bad = f.blob, [](BlobHeader& h) { h.buffers_offset = h.ops_offset + 4; });
  CHECK_STATUS(bad, Status::sections_overlap);
}

BOOST_AUTO_TEST_CASE(unsupported_op_kind_and_bits_name_the_op) {
  ResidualBlob f;
  std::vector<uint8_t> bad;
  test::edit_op(bad = f.blob, 2, [](OpRecord& r) { r.kind = 7; });
  test::LoadResult r = test::load(bad);
  BOOST_TEST(r.status == Status::unsupported_op_kind);
  BOOST_TEST(r.error.op == 2u);
  test::edit_op(bad = f.blob, 1, [](OpRecord& rec) { rec.weight_bits = 3; });
  r = test::load(bad);
  BOOST_TEST(r.status == Status::unsupported_bits);
  BOOST_TEST(r.error.op == 1u);
  test::edit_op(bad = f.blob, 0, [](OpRecord& rec) { rec.output_bits = 16; });
  CHECK_STATUS(bad, Status::unsupported_bits);
  const size_t add = f.op_of_kind(QOpKind::add);
  test::edit_op(bad = f.blob, add, [](OpRecord& rec) { rec.input2_bits = 1; });
  CHECK_STATUS(bad, Status::unsupported_bits);
}

BOOST_AUTO_TEST_CASE(reserved_and_unused_op_fields_must_be_zero) {
  ResidualBlob f;
  const BlobHeader h = decode_blob_header(f.blob.data(), "blob");
  std::vector<uint8_t> bad = f.blob;
  bad[h.ops_offset + blob::op::reserved1 + 1] = 1;
  set_blob_crc(bad);
  CHECK_STATUS(bad, Status::bad_op_field);
  const size_t pool = f.op_of_kind(QOpKind::avgpool);
  const size_t conv = f.op_of_kind(QOpKind::conv);
  test::edit_op(bad = f.blob, pool, [](OpRecord& r) { r.weight_bits = 8; });
  CHECK_STATUS(bad, Status::bad_op_field);
  test::edit_op(bad = f.blob, conv, [](OpRecord& r) { r.left_shift = 20; });
  CHECK_STATUS(bad, Status::bad_op_field);
  test::edit_op(bad = f.blob, conv, [](OpRecord& r) { r.input2_buffer = 0; });
  CHECK_STATUS(bad, Status::bad_op_field);
  test::edit_op(bad = f.blob, pool, [](OpRecord& r) { r.flags = 1; });
  CHECK_STATUS(bad, Status::bad_op_field);
  test::edit_op(bad = f.blob, conv, [](OpRecord& r) { r.flags |= 4; });
  CHECK_STATUS(bad, Status::bad_op_field);
}

BOOST_AUTO_TEST_CASE(shapes_the_kernel_would_compute_differently_are_bad_op_fields) {
  ResidualBlob f;
  std::vector<uint8_t> bad;
  const size_t conv = f.op_of_kind(QOpKind::conv);
  test::edit_op(bad = f.blob, conv, [](OpRecord& r) { r.stride = 2; });  // output stays 8x8
  CHECK_STATUS(bad, Status::bad_op_field);
  test::edit_op(bad = f.blob, f.op_of_kind(QOpKind::avgpool), [](OpRecord& r) { r.out_h = 2; });
  CHECK_STATUS(bad, Status::bad_op_field);
  test::edit_op(bad = f.blob, f.op_of_kind(QOpKind::fc), [](OpRecord& r) { r.in_h = 2; });
  CHECK_STATUS(bad, Status::bad_op_field);
}

BOOST_AUTO_TEST_CASE(parameters_a_kernel_refuses_name_the_op_and_the_kernel_status) {
  ResidualBlob f;
  std::vector<uint8_t> bad;
  const size_t dw = f.op_of_kind(QOpKind::depthwise);
  test::edit_op(bad = f.blob, dw, [](OpRecord& r) {
    r.output_min = 2;
    r.output_max = 1;
  });
  test::LoadResult r = test::load(bad);
  BOOST_TEST(r.status == Status::kernel_rejected);
  BOOST_TEST(r.error.op == dw);
  BOOST_TEST(r.error.kernel_status == kernels::Status::bad_clamp);

  const size_t add = f.op_of_kind(QOpKind::add);
  test::edit_op(bad = f.blob, add, [](OpRecord& rec) { rec.left_shift = 30; });
  r = test::load(bad);
  BOOST_TEST(r.status == Status::kernel_rejected);
  BOOST_TEST(r.error.op == add);
  BOOST_TEST(r.error.kernel_status == kernels::Status::bad_multiplier);

  test::edit_op(bad = f.blob, 0, [](OpRecord& rec) { rec.padding = 3; });  // >= the 3x3 kernel
  r = test::load(bad);
  BOOST_TEST(r.status == Status::kernel_rejected);
  BOOST_TEST(r.error.kernel_status == kernels::Status::bad_padding);
}

BOOST_AUTO_TEST_CASE(weights_and_channel_parameters_are_checked) {
  ResidualBlob f;
  std::vector<uint8_t> bad;
  test::edit_op(bad = f.blob, 0, [](OpRecord& r) { r.weights_bytes += 1; });
  CHECK_STATUS(bad, Status::weights_size_mismatch);
  // A shift of 31 in the last channel of the fc.
  const size_t fc = f.op_of_kind(QOpKind::fc);
  const OpRecord r = f.record(fc);
  bad = f.blob;
  const uint8_t shift31[4] = {31, 0, 0, 0};
  std::memcpy(&bad[r.channel_params_offset + 4 * (3 * r.out_c - 1)], shift31, 4);
  set_blob_crc(bad);
  CHECK_STATUS(bad, Status::bad_channel_params);
  bad = f.blob;
  bad[r.channel_params_offset + 4 * (2 * r.out_c - 1) + 3] = 0x80;  // negative multiplier
  set_blob_crc(bad);
  CHECK_STATUS(bad, Status::bad_channel_params);
}

BOOST_AUTO_TEST_CASE(inputs_must_be_earlier_tensors_of_the_same_shape_bits_and_zero_point) {
  ResidualBlob f;
  std::vector<uint8_t> bad;
  test::edit_op(bad = f.blob, 1, [](OpRecord& r) { r.input_zero_point = r.input_zero_point == 0 ? 1 : 0; });
  CHECK_STATUS(bad, Status::op_input_mismatch);
  test::edit_op(bad = f.blob, 1, [](OpRecord& r) { r.input_buffer = r.output_buffer; });  // its own output
  CHECK_STATUS(bad, Status::op_input_mismatch);
  test::edit_op(bad = f.blob, 0, [](OpRecord& r) {  // the network input is 8-bit
    r.input_bits = 4;
    r.input_zero_point = 0;
  });
  CHECK_STATUS(bad, Status::op_input_mismatch);
  const size_t add = f.op_of_kind(QOpKind::add);
  test::edit_op(bad = f.blob, add, [](OpRecord& r) { r.input2_buffer = 2; });  // a scratch buffer
  CHECK_STATUS(bad, Status::op_input_mismatch);
}

BOOST_AUTO_TEST_CASE(buffer_table_must_follow_the_rule_and_the_tensor_sizes) {
  ResidualBlob f;
  std::vector<uint8_t> bad;
  test::edit_buffer(bad = f.blob, 1, [](rt::ArenaBuffer& b) { b.size += 1; });
  test::LoadResult r = test::load(bad);
  BOOST_TEST(r.status == Status::buffer_size_mismatch);
  BOOST_TEST(r.error.buffer == 1u);
  test::edit_buffer(bad = f.blob, 2, [](rt::ArenaBuffer& b) { b.size -= 4; });  // conv scratch
  CHECK_STATUS(bad, Status::buffer_size_mismatch);
  test::edit_buffer(bad = f.blob, 1, [](rt::ArenaBuffer& b) { b.last_step += 1; });
  CHECK_STATUS(bad, Status::buffer_table_mismatch);
  test::edit_buffer(bad = f.blob, 0, [](rt::ArenaBuffer& b) { b.first_step = 1; });
  CHECK_STATUS(bad, Status::buffer_table_mismatch);
  const size_t add = f.op_of_kind(QOpKind::add);
  test::edit_op(bad = f.blob, add, [](OpRecord& rec) { rec.scratch_buffer = rec.output_buffer + 1; });
  CHECK_STATUS(bad, Status::buffer_table_mismatch);
  test::edit_header(bad = f.blob, [](BlobHeader& h) { h.buffer_count -= 1; });
  CHECK_STATUS(bad, Status::buffer_table_mismatch);
}

BOOST_AUTO_TEST_CASE(tampered_buffer_offset_or_arena_size_is_a_plan_mismatch) {
  ResidualBlob f;
  std::vector<uint8_t> bad;
  test::edit_buffer(bad = f.blob, 3, [](rt::ArenaBuffer& b) { b.offset += 4; });
  test::LoadResult r = test::load(bad);
  BOOST_TEST(r.status == Status::plan_mismatch);
  BOOST_TEST(r.error.buffer == 3u);
  test::edit_header(bad = f.blob, [](BlobHeader& h) { h.arena_bytes += 4; });
  CHECK_STATUS(bad, Status::plan_mismatch);
}

BOOST_AUTO_TEST_CASE(load_scratch_smaller_than_asked_is_refused) {
  ResidualBlob f;
  rt::BlobMemory memory{};
  BOOST_REQUIRE(rt::query_blob_memory(f.blob.data(), static_cast<uint32_t>(f.blob.size()), &memory) == Status::ok);
  std::vector<uint32_t> scratch(memory.load_scratch_bytes / 4 + 1);
  rt::ModelView model;
  const uint32_t bytes = static_cast<uint32_t>(f.blob.size());
  BOOST_TEST(rt::load_model(f.blob.data(), bytes, scratch.data(), memory.load_scratch_bytes - 4, &model) ==
             Status::load_scratch_too_small);
  BOOST_TEST(rt::load_model(f.blob.data(), bytes, nullptr, memory.load_scratch_bytes, &model) ==
             Status::load_scratch_too_small);
  BOOST_TEST(rt::load_model(f.blob.data(), bytes, reinterpret_cast<uint8_t*>(scratch.data()) + 2,
                            memory.load_scratch_bytes, &model) == Status::load_scratch_too_small);
}

BOOST_AUTO_TEST_CASE(every_status_has_its_own_name) {
  std::vector<std::string> names;
  for (uint8_t s = 0; s < rt::kStatusCount; ++s) names.emplace_back(rt::status_name(static_cast<Status>(s)));
  for (size_t i = 0; i < names.size(); ++i)
    for (size_t j = i + 1; j < names.size(); ++j) BOOST_TEST(names[i] != names[j]);
  BOOST_TEST(std::string(rt::status_name(Status::checksum_mismatch)) == "checksum_mismatch");
  BOOST_TEST(std::string(rt::status_name(static_cast<Status>(rt::kStatusCount))) == "unknown");
}

BOOST_AUTO_TEST_SUITE_END()
