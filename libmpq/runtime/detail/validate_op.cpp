#include "libmpq/kernels/convolve.hpp"
#include "libmpq/kernels/packing.hpp"
#include "libmpq/kernels/requantize.hpp"
#include "libmpq/runtime/detail/blob_context.hpp"
#include "libmpq/runtime/little_endian.hpp"
#include "libmpq/runtime/op_requirements.hpp"

namespace mpq::rt::detail {

namespace {

bool is_aligned(uint32_t offset) { return offset % blob::kSectionAlignment == 0; }

// One weight-side section [offset, offset + bytes) must lie in [data_offset, total).
Status check_data_section(const BlobContext& ctx, uint32_t offset, uint64_t bytes) {
  if (offset < ctx.data_offset || offset + bytes > ctx.total_bytes) return Status::section_out_of_bounds;
  if (!is_aligned(offset)) return Status::section_misaligned;
  return Status::ok;
}

// Fields that the format fixes: reserved bytes and the fields a kind does not use are 0
// (docs/blob-format.md), flags hold only the bits of the op's kind, the window of
// non-convolutions is 1/1/0 in the short form, a window has its one encoding (the long
// form only for a window that is not square, and only from version 4); and the shapes each
// kind implies.
Status check_structure(const OpRecord& op, uint16_t version) {
  const bool is_add = op.kind == blob::op_kind::add;
  const bool is_pool = op.kind == blob::op_kind::avgpool;
  const bool is_window_pool = op.kind == blob::op_kind::maxpool || op.kind == blob::op_kind::avgpool2d;
  const bool is_window = op.kind == blob::op_kind::conv || op.kind == blob::op_kind::depthwise || is_window_pool;
  const bool may_run_in_place = op.kind == blob::op_kind::depthwise || op.kind == blob::op_kind::conv;
  const uint8_t one_chunk = op.kind == blob::op_kind::depthwise ? blob::kOpFlagOneChunk : 0;
  const uint8_t window_op_flags = blob::kOpFlagReluOutput | blob::kOpFlagInPlace | one_chunk;  // conv, depthwise
  const uint8_t known_flags = may_run_in_place                      ? window_op_flags
                              : op_has_weights(op.kind)             ? blob::kOpFlagReluOutput
                              : op.kind == blob::op_kind::avgpool2d ? blob::kOpFlagCountIncludePad
                                                                    : 0;
  if (!reserved_bytes_zero(op) || (op.flags & ~known_flags) != 0) return Status::bad_op_field;
  if (!is_add && (op.input2_bits != 0 || op.input2_buffer != blob::kNoBuffer || op.input2_zero_point != 0 ||
                  op.input2_multiplier != 0 || op.input2_shift != 0 || op.output_multiplier != 0 ||
                  op.output_shift != 0 || op.left_shift != 0))
    return Status::bad_op_field;
  if (!is_add && !is_pool && (op.input_multiplier != 0 || op.input_shift != 0)) return Status::bad_op_field;
  if (!op_has_weights(op.kind) &&
      (op.weight_bits != 0 || op.weights_offset != 0 || op.weights_bytes != 0 || op.channel_params_offset != 0))
    return Status::bad_op_field;
  if (!is_window && (op.kernel != 1 || op.stride != 1 || op.padding != 0 || has_long_window(op)))
    return Status::bad_op_field;
  if (!window_form_valid(op) || (has_long_window(op) && version < blob::kLongWindowVersion))
    return Status::bad_op_field;
  switch (op.kind) {
    case blob::op_kind::depthwise:
      if (op.in_c != op.out_c) return Status::bad_op_field;
      break;
    case blob::op_kind::fc:
      if (op.in_h != 1 || op.in_w != 1 || op.out_h != 1 || op.out_w != 1) return Status::bad_op_field;
      break;
    case blob::op_kind::add:
      if (op.in_h != op.out_h || op.in_w != op.out_w || op.in_c != op.out_c) return Status::bad_op_field;
      break;
    case blob::op_kind::avgpool:
      if (op.out_h != 1 || op.out_w != 1 || op.in_c != op.out_c) return Status::bad_op_field;
      break;
    case blob::op_kind::maxpool:
    case blob::op_kind::avgpool2d:
      // The output is on the input's grid: same bits and zero point, no clamp.
      if (op.in_c != op.out_c || op.output_bits != op.input_bits || op.output_zero_point != op.input_zero_point ||
          op.output_min != 0 || op.output_max != 0)
        return Status::bad_op_field;
      break;
    default: break;
  }
  return Status::ok;
}

Status check_bits(const OpRecord& op) {
  if (!kernels::is_valid_bits(op.input_bits) || !kernels::is_valid_bits(op.output_bits)) return Status::unsupported_bits;
  if (op_has_weights(op.kind) && !kernels::is_valid_bits(op.weight_bits)) return Status::unsupported_bits;
  if (op.kind == blob::op_kind::add && !kernels::is_valid_bits(op.input2_bits)) return Status::unsupported_bits;
  return Status::ok;
}

// The kernels compute the output size themselves; the record's must agree with it.
Status check_output_size(const OpRecord& op) {
  if (op.kind != blob::op_kind::conv && op.kind != blob::op_kind::depthwise && op.kind != blob::op_kind::maxpool &&
      op.kind != blob::op_kind::avgpool2d)
    return Status::ok;
  const RecordWindow win = record_window(op);
  const int32_t h = kernels::conv_output_size(op.in_h, win.kernel_h, win.stride_h, win.pad_top, win.pad_bottom);
  const int32_t w = kernels::conv_output_size(op.in_w, win.kernel_w, win.stride_w, win.pad_left, win.pad_right);
  return h == op.out_h && w == op.out_w ? Status::ok : Status::bad_op_field;
}

Status check_weights(const BlobContext& ctx, const OpRecord& op) {
  if (!op_has_weights(op.kind)) return Status::ok;
  const int32_t expected = op_requirements(op).weight_bytes;
  if (expected <= 0 || op.weights_bytes != static_cast<uint32_t>(expected)) return Status::weights_size_mismatch;
  Status s = check_data_section(ctx, op.weights_offset, op.weights_bytes);
  if (s != Status::ok) return s;
  const uint64_t params = static_cast<uint64_t>(op.out_c) * blob::kChannelParamBytes;
  s = check_data_section(ctx, op.channel_params_offset, params);
  if (s != Status::ok) return s;
  // bias[C] at +0 (any value: adding it wraps), multiplier[C] at +4C, shift[C] at +8C.
  const uint8_t* p = ctx.blob + op.channel_params_offset;
  for (int32_t c = 0; c < op.out_c; ++c) {
    const int32_t multiplier = read_i32(p + 4 * (op.out_c + c));
    const int32_t shift = read_i32(p + 4 * (2 * op.out_c + c));
    if (!kernels::is_valid_requant(multiplier, shift)) return Status::bad_channel_params;
  }
  return Status::ok;
}

// `id` must be the network input (8-bit, the header's shape) or the output of an op
// before `op_index` with the same shape, bits and zero point.
Status check_input(const BlobContext& ctx, uint16_t op_index, uint16_t id, int32_t h, int32_t w, int32_t c,
                   int32_t bits, int32_t zero_point) {
  if (id == 0) {
    return h == ctx.input_h && w == ctx.input_w && c == ctx.input_c && bits == 8 ? Status::ok
                                                                                  : Status::op_input_mismatch;
  }
  for (uint16_t j = 0; j < op_index; ++j) {
    const OpRecord producer = decode_op_record(ctx.record(j));
    if (producer.output_buffer != id) continue;
    const bool same = producer.out_h == h && producer.out_w == w && producer.out_c == c &&
                      producer.output_bits == bits && producer.output_zero_point == zero_point;
    return same ? Status::ok : Status::op_input_mismatch;
  }
  return Status::op_input_mismatch;
}

}  // namespace

Status validate_op(const BlobContext& ctx, uint16_t index, LoadError* error) {
  const OpRecord op = decode_op_record(ctx.record(index));
  const bool known = op.kind < blob::op_kind::count && blob::version_needed(op.kind) <= ctx.version;
  Status s = known ? Status::ok : Status::unsupported_op_kind;
  if (s == Status::ok) s = check_bits(op);
  if (s == Status::ok) s = check_structure(op, ctx.version);
  if (s == Status::ok) {
    const kernels::Status k = op_requirements(op).status;
    if (k != kernels::Status::ok) {
      s = Status::kernel_rejected;
      if (error != nullptr) error->kernel_status = k;
    }
  }
  if (s == Status::ok) s = check_output_size(op);
  if (s == Status::ok) s = check_weights(ctx, op);
  if (s == Status::ok)
    s = check_input(ctx, index, op.input_buffer, op.in_h, op.in_w, op.in_c, op.input_bits, op.input_zero_point);
  if (s == Status::ok && op.kind == blob::op_kind::add)
    s = check_input(ctx, index, op.input2_buffer, op.in_h, op.in_w, op.in_c, op.input2_bits, op.input2_zero_point);
  if (s != Status::ok && error != nullptr) error->op = index;
  return s;
}

}  // namespace mpq::rt::detail
