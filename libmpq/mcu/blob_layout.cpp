#include "libmpq/mcu/blob_layout.hpp"

#include <string>

#include "libmpq/core/error.hpp"
#include "libmpq/runtime/op_requirements.hpp"

namespace mpq {

namespace {

uint64_t align_up(uint64_t v) { return (v + blob::kSectionAlignment - 1) / blob::kSectionAlignment * blob::kSectionAlignment; }

}  // namespace

BlobLayout blob_layout(const std::vector<rt::OpRecord>& records, rt::PatchStage patch, InplaceDepthwise inplace,
                       InplaceKinds kinds) {
  BlobLayout L;
  L.arena = plan_model_arena(records, patch, inplace, kinds);
  L.records = records;
  const uint8_t planner_flags = blob::kOpFlagInPlace | blob::kOpFlagOneChunk;
  for (rt::OpRecord& r : L.records) r.flags = static_cast<uint8_t>(r.flags & ~planner_flags);
  for (uint16_t i : L.arena.inplace_ops) L.records[i].flags |= blob::kOpFlagInPlace;
  for (uint16_t i : L.arena.one_chunk_ops) L.records[i].flags |= blob::kOpFlagOneChunk;
  const size_t n = records.size();
  L.input_h = records.front().in_h;
  L.input_w = records.front().in_w;
  L.input_c = records.front().in_c;
  L.classes = records.back().out_c;

  uint64_t at = blob::kHeaderBytes;
  L.input_lut_offset = static_cast<uint32_t>(at);
  L.input_lut_bytes = static_cast<uint32_t>(blob::kInputLutBytesPerChannel * L.input_c);
  at = align_up(at + L.input_lut_bytes);
  L.ops_offset = static_cast<uint32_t>(at);
  L.ops_bytes = static_cast<uint32_t>(blob::kOpRecordBytes * n);
  at = align_up(at + L.ops_bytes);
  L.buffers_offset = static_cast<uint32_t>(at);
  L.buffers_bytes = static_cast<uint32_t>(blob::kBufferRecordBytes * L.arena.buffers.size());
  at = align_up(at + L.buffers_bytes);
  L.data_offset = static_cast<uint32_t>(at);

  L.ops.resize(n);
  for (size_t i = 0; i < n; ++i) {
    rt::OpRecord& r = L.records[i];
    OpSections& s = L.ops[i];
    s.record_offset = static_cast<uint32_t>(L.ops_offset + blob::kOpRecordBytes * i);
    if (!rt::op_has_weights(r.kind)) continue;
    const int32_t bytes = rt::op_requirements(r).weight_bytes;
    require(bytes > 0, "blob layout: op " + std::to_string(i) + " weights exceed the kernels' 2 GiB limit");
    s.weights_offset = static_cast<uint32_t>(at);
    s.weights_bytes = static_cast<uint32_t>(bytes);
    s.weights_padded_bytes = static_cast<uint32_t>(align_up(static_cast<uint64_t>(bytes)));
    at += s.weights_padded_bytes;
    s.channels = r.out_c;
    s.channel_params_offset = static_cast<uint32_t>(at);
    at += s.channel_params_bytes();
    require(at <= UINT32_MAX, "blob layout: the blob would exceed 4 GiB");
    r.weights_offset = s.weights_offset;
    r.weights_bytes = s.weights_bytes;
    r.channel_params_offset = s.channel_params_offset;
  }
  L.total_bytes = static_cast<uint32_t>(at);
  return L;
}

}  // namespace mpq
