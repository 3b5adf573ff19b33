#include "libmpq/runtime/run_model.hpp"

#include "libmpq/runtime/blob_format.hpp"
#include "libmpq/runtime/buffer_record.hpp"
#include "libmpq/runtime/detail/encode_input.hpp"
#include "libmpq/runtime/detail/run_patch_stage.hpp"
#include "libmpq/runtime/detail/run_op.hpp"

namespace mpq::rt {

namespace {

const uint8_t* buffer_record(const ModelView& m, uint16_t id) { return m.buffers + id * blob::kBufferRecordBytes; }

uint8_t* buffer_data(const ModelView& m, uint8_t* arena, uint16_t id) {
  return arena + decode_buffer_record(buffer_record(m, id)).offset;
}

// The checks both entry points share; ok when the ops may run.
Status check_run(const ModelView& m, void* arena, uint32_t arena_bytes) {
  if (arena == nullptr || m.blob == nullptr || m.kernels == nullptr) return Status::bad_argument;
  if (m.arena_alignment == 0 || reinterpret_cast<uintptr_t>(arena) % m.arena_alignment != 0)
    return Status::misaligned_arena;
  return arena_bytes < m.arena_bytes ? Status::arena_too_small : Status::ok;
}

// Every op in order, the stage (if any) tile by tile, once the input is where the first
// op reads it: in buffer 0, or (a streamed input) behind `input`.
Status run_ops(const ModelView& m, uint8_t* a, const InputStream* input, KernelVariant variant) {
  const bool reference = variant == KernelVariant::reference;
  for (uint16_t i = 0; i < m.op_count; ++i) {
    if (m.patch.present() && i == m.patch.first_op) {
      const Status s = detail::run_patch_stage(m, a, reference, input);
      if (s != Status::ok) return s;
      i = static_cast<uint16_t>(m.patch.end_op() - 1u);
      continue;
    }
    const OpRecord op = decode_op_record(m.ops + i * blob::kOpRecordBytes);
    detail::OpTensors t{};
    t.input = buffer_data(m, a, op.input_buffer);
    if (op.input2_buffer != blob::kNoBuffer) t.input2 = buffer_data(m, a, op.input2_buffer);
    if (op.weights_offset != 0) detail::point_at_weights(m.blob, op, &t);
    detail::point_at_scratch(m.buffers, a, op, &t);
    t.output = buffer_data(m, a, op.output_buffer);
    const Status s = detail::run_op(*m.kernels, op, t, reference);
    if (s != Status::ok) return s;
  }
  return Status::ok;
}

}  // namespace

Status run_model(const ModelView& m, const uint8_t* image, void* arena, uint32_t arena_bytes, KernelVariant variant) {
  if (image == nullptr) return Status::bad_argument;
  Status s = check_run(m, arena, arena_bytes);
  if (s != Status::ok) return s;
  // A streamed blob's buffer 0 is empty: encoding the image there would overwrite others.
  if (m.patch.stream_input) return Status::input_mode_mismatch;
  uint8_t* a = static_cast<uint8_t*>(arena);
  // Buffer 0 holds one 8-bit code per value.
  detail::encode_input(m.input_lut, m.input_c, static_cast<uint32_t>(m.input_h) * m.input_w, image, a + m.input_offset);
  return run_ops(m, a, nullptr, variant);
}

Status run_model(const ModelView& m, InputStream input, void* arena, uint32_t arena_bytes, KernelVariant variant) {
  if (input.read == nullptr) return Status::bad_argument;
  Status s = check_run(m, arena, arena_bytes);
  if (s != Status::ok) return s;
  if (!m.patch.stream_input) return Status::input_mode_mismatch;
  return run_ops(m, static_cast<uint8_t*>(arena), &input, variant);
}

}  // namespace mpq::rt
