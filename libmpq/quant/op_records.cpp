#include "libmpq/quant/op_records.hpp"

#include <string>

#include "libmpq/core/error.hpp"
#include "libmpq/runtime/blob_format.hpp"
#include "libmpq/runtime/op_requirements.hpp"

namespace mpq {

// One op-kind table: a record's kind byte is the QOpKind value.
static_assert(kQOpKindCount == blob::op_kind::count, "one blob op kind per QOpKind");
static_assert(static_cast<int>(QOpKind::conv) == blob::op_kind::conv, "QOpKind::conv is blob::op_kind::conv");
static_assert(static_cast<int>(QOpKind::depthwise) == blob::op_kind::depthwise,
              "QOpKind::depthwise is blob::op_kind::depthwise");
static_assert(static_cast<int>(QOpKind::fc) == blob::op_kind::fc, "QOpKind::fc is blob::op_kind::fc");
static_assert(static_cast<int>(QOpKind::add) == blob::op_kind::add, "QOpKind::add is blob::op_kind::add");
static_assert(static_cast<int>(QOpKind::avgpool) == blob::op_kind::avgpool, "QOpKind::avgpool is blob::op_kind::avgpool");
static_assert(static_cast<int>(QOpKind::maxpool) == blob::op_kind::maxpool, "QOpKind::maxpool is blob::op_kind::maxpool");
static_assert(static_cast<int>(QOpKind::avgpool2d) == blob::op_kind::avgpool2d,
              "QOpKind::avgpool2d is blob::op_kind::avgpool2d");

namespace {

template <typename Field>
Field field(const QOp& op, int64_t v, const char* name) {
  constexpr int64_t max = static_cast<Field>(~Field{0});
  if (v < 0 || v > max)
    throw Error("blob layout: op '" + op.name + "' " + name + " is " + std::to_string(v) + ", the blob holds 0.." +
                std::to_string(max));
  return static_cast<Field>(v);
}

// Every field the graph and the bits fix; buffer ids are set by the caller.
rt::OpRecord structural_record(const QOp& op, const OpBits& bits) {
  if (op.kind == QOpKind::fc && (op.in_h != 1 || op.in_w != 1))
    throw Error("blob layout: op '" + op.name + "' is fully connected on a " + std::to_string(op.in_h) + "x" +
                std::to_string(op.in_w) + " input; the runtime takes 1x1xC");
  rt::OpRecord r;
  r.kind = static_cast<uint8_t>(op.kind);
  // The flag is informational and the blob defines it for weighted ops only; an add's
  // ReLU (a residual block's, ResNet's) is carried by its output clamp alone.
  r.flags = op.relu_output && op.has_weights() ? rt::OpRecord::kReluOutput : 0;
  if (op.kind == QOpKind::avgpool2d && op.count_include_pad) r.flags = blob::kOpFlagCountIncludePad;
  r.input_bits = static_cast<uint8_t>(bits.input_bits[0]);
  r.input2_bits = static_cast<uint8_t>(bits.input_bits[1]);
  r.weight_bits = static_cast<uint8_t>(bits.weight_bits);
  r.output_bits = static_cast<uint8_t>(bits.output_bits);
  r.in_h = field<uint16_t>(op, op.in_h, "in_h");
  r.in_w = field<uint16_t>(op, op.in_w, "in_w");
  r.in_c = field<uint16_t>(op, op.in_c, "in_c");
  r.out_h = field<uint16_t>(op, op.out_h, "out_h");
  r.out_w = field<uint16_t>(op, op.out_w, "out_w");
  r.out_c = field<uint16_t>(op, op.out_c, "out_c");
  const Window2d& w = op.window;
  rt::set_record_window(r, {field<uint8_t>(op, w.kh, "kernel height"), field<uint8_t>(op, w.kw, "kernel width"),
                            field<uint8_t>(op, w.sh, "stride along H"), field<uint8_t>(op, w.sw, "stride along W"),
                            field<uint8_t>(op, w.top, "top padding"), field<uint8_t>(op, w.bottom, "bottom padding"),
                            field<uint8_t>(op, w.left, "left padding"), field<uint8_t>(op, w.right, "right padding")});
  return r;
}

}  // namespace

std::vector<rt::OpRecord> op_records(const QuantGraph& graph, const std::vector<OpBits>& bits) {
  const size_t n = graph.ops.size();
  require(bits.size() == n, "blob layout: bit widths for " + std::to_string(bits.size()) + " ops, the graph has " +
                                std::to_string(n));
  // Buffer ids are u16 and kNoBuffer is reserved: at most an output and a scratch per op.
  require(2 * n + 1 < blob::kNoBuffer,
          "blob layout: " + std::to_string(n) + " ops is more than the blob's 16-bit buffer ids hold");
  std::vector<rt::OpRecord> records(n);
  std::vector<uint16_t> output_buffer(n);
  uint16_t next = 1;  // buffer 0: the network input
  auto buffer_of = [&](int producer) {
    return producer == QOp::kInput ? uint16_t{0} : output_buffer[static_cast<size_t>(producer)];
  };
  for (size_t i = 0; i < n; ++i) {
    const QOp& op = graph.ops[i];
    rt::OpRecord& r = records[i];
    r = structural_record(op, bits[i]);
    r.input_buffer = buffer_of(op.inputs[0]);
    if (op.inputs.size() > 1) r.input2_buffer = buffer_of(op.inputs[1]);
    r.output_buffer = output_buffer[i] = next++;
    const rt::OpRequirements needs = rt::op_requirements(r);
    if (needs.status != kernels::Status::ok)
      throw Error("memory model: op '" + op.name + "' cannot run on " + rt::op_kernel_name(needs.kernel) + " (" +
                  kernels::status_name(needs.status) + ")");
    if (needs.scratch_bytes > 0) r.scratch_buffer = next++;
  }
  return records;
}

std::vector<rt::OpRecord> op_records(const QuantGraph& graph, const Policy& policy) {
  validate_policy(policy, graph, "policy");
  return op_records(graph, op_bits(graph, policy));
}

}  // namespace mpq
