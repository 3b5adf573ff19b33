#include "libmpq/mcu/blob_layout.hpp"

#include <string>

#include "libmpq/core/error.hpp"
#include "libmpq/kernels/packing.hpp"
#include "libmpq/runtime/blob_format.hpp"

namespace mpq {

namespace {

uint64_t align_up(uint64_t v) { return (v + blob::kSectionAlignment - 1) / blob::kSectionAlignment * blob::kSectionAlignment; }

int32_t weight_bytes(const QOp& op, int bits) {
  const auto d = [](int64_t v) { return static_cast<int32_t>(v); };
  switch (op.kind) {
    case QOpKind::conv: return kernels::conv_weight_bytes(d(op.out_c), d(op.kernel), d(op.kernel), d(op.in_c), bits);
    case QOpKind::depthwise: return kernels::depthwise_weight_bytes(d(op.kernel), d(op.kernel), d(op.out_c), bits);
    case QOpKind::fc: return kernels::fully_connected_weight_bytes(d(op.out_c), d(op.in_h * op.in_w * op.in_c), bits);
    default: return 0;
  }
}

// The record stores these in u16 / u8 fields.
void check_fields(const QOp& op) {
  auto fits = [&](int64_t v, int64_t max, const char* field) {
    if (v < 0 || v > max)
      throw Error("blob layout: op '" + op.name + "' " + field + " is " + std::to_string(v) + ", the blob holds 0.." +
                  std::to_string(max));
  };
  fits(op.in_h, 0xFFFF, "in_h");
  fits(op.in_w, 0xFFFF, "in_w");
  fits(op.in_c, 0xFFFF, "in_c");
  fits(op.out_h, 0xFFFF, "out_h");
  fits(op.out_w, 0xFFFF, "out_w");
  fits(op.out_c, 0xFFFF, "out_c");
  fits(op.kernel, 0xFF, "kernel");
  fits(op.stride, 0xFF, "stride");
  fits(op.padding, 0xFF, "padding");
}

}  // namespace

BlobLayout blob_layout(const QuantGraph& graph, const Policy& policy) {
  BlobLayout L;
  L.bits = op_bits(graph, policy);
  for (const QOp& op : graph.ops) check_fields(op);
  require(graph.spec.in_channels <= 0xFFFF && graph.spec.in_height <= 0xFFFF && graph.spec.in_width <= 0xFFFF &&
              graph.spec.classes <= 0xFFFF,
          "blob layout: input shape or class count exceeds the header's 16-bit fields");
  L.arena = plan_model_arena(graph, L.bits);

  const size_t n = graph.ops.size();
  uint64_t at = blob::kHeaderBytes;
  L.input_lut_offset = static_cast<uint32_t>(at);
  L.input_lut_bytes = static_cast<uint32_t>(blob::kInputLutBytesPerChannel * graph.spec.in_channels);
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
    const QOp& op = graph.ops[i];
    OpSections& s = L.ops[i];
    s.record_offset = static_cast<uint32_t>(L.ops_offset + blob::kOpRecordBytes * i);
    if (!op.has_weights()) continue;
    const int32_t bytes = weight_bytes(op, L.bits[i].weight_bits);
    require(bytes > 0, "blob layout: op '" + op.name + "' weights exceed the kernels' 2 GiB limit");
    s.weights_offset = static_cast<uint32_t>(at);
    s.weights_bytes = static_cast<uint32_t>(bytes);
    s.weights_padded_bytes = static_cast<uint32_t>(align_up(static_cast<uint64_t>(bytes)));
    at += s.weights_padded_bytes;
    s.channels = static_cast<uint32_t>(op.out_c);
    s.channel_params_offset = static_cast<uint32_t>(at);
    at += s.channel_params_bytes();
    require(at <= UINT32_MAX, "blob layout: the blob would exceed 4 GiB");
  }
  L.total_bytes = static_cast<uint32_t>(at);
  return L;
}

}  // namespace mpq
