// The C API (mpq_fw.h) over the C++ runtime: each function converts its arguments, calls
// the runtime and converts the status. A model's state is a ModelView kept in the
// caller's mpq_fw_model bytes, copied in and out with memcpy (no placement new, no
// aliasing of the byte array as a C++ object), behind a tag that says it was loaded.
#include "libmpq/runtime/mpq_fw.h"

#include <cstring>
#include <type_traits>

#include "libmpq/kernels/status.hpp"
#include "libmpq/runtime/blob_format.hpp"
#include "libmpq/runtime/load_model.hpp"
#include "libmpq/runtime/model_output.hpp"
#include "libmpq/runtime/model_view.hpp"
#include "libmpq/runtime/op_record.hpp"
#include "libmpq/runtime/op_requirements.hpp"
#include "libmpq/runtime/run_model.hpp"
#include "libmpq/runtime/status.hpp"

namespace rt = mpq::rt;

namespace {

// The C enum mirrors rt::Status: a new status must be added to both.
static_assert(MPQ_FW_STATUS_COUNT == rt::kStatusCount, "one mpq_fw_status per rt::Status");
static_assert(MPQ_FW_OK == static_cast<int>(rt::Status::ok), "status values");
static_assert(MPQ_FW_BAD_ARGUMENT == static_cast<int>(rt::Status::bad_argument), "status values");
static_assert(MPQ_FW_MISALIGNED_BLOB == static_cast<int>(rt::Status::misaligned_blob), "status values");
static_assert(MPQ_FW_TOO_SHORT == static_cast<int>(rt::Status::too_short), "status values");
static_assert(MPQ_FW_BAD_MAGIC == static_cast<int>(rt::Status::bad_magic), "status values");
static_assert(MPQ_FW_BAD_VERSION == static_cast<int>(rt::Status::bad_version), "status values");
static_assert(MPQ_FW_SIZE_MISMATCH == static_cast<int>(rt::Status::size_mismatch), "status values");
static_assert(MPQ_FW_CHECKSUM_MISMATCH == static_cast<int>(rt::Status::checksum_mismatch), "status values");
static_assert(MPQ_FW_BAD_HEADER_FIELD == static_cast<int>(rt::Status::bad_header_field), "status values");
static_assert(MPQ_FW_SECTION_OUT_OF_BOUNDS == static_cast<int>(rt::Status::section_out_of_bounds), "status values");
static_assert(MPQ_FW_SECTION_MISALIGNED == static_cast<int>(rt::Status::section_misaligned), "status values");
static_assert(MPQ_FW_SECTIONS_OVERLAP == static_cast<int>(rt::Status::sections_overlap), "status values");
static_assert(MPQ_FW_UNSUPPORTED_OP_KIND == static_cast<int>(rt::Status::unsupported_op_kind), "status values");
static_assert(MPQ_FW_UNSUPPORTED_BITS == static_cast<int>(rt::Status::unsupported_bits), "status values");
static_assert(MPQ_FW_BAD_OP_FIELD == static_cast<int>(rt::Status::bad_op_field), "status values");
static_assert(MPQ_FW_OP_INPUT_MISMATCH == static_cast<int>(rt::Status::op_input_mismatch), "status values");
static_assert(MPQ_FW_KERNEL_REJECTED == static_cast<int>(rt::Status::kernel_rejected), "status values");
static_assert(MPQ_FW_WEIGHTS_SIZE_MISMATCH == static_cast<int>(rt::Status::weights_size_mismatch), "status values");
static_assert(MPQ_FW_BAD_CHANNEL_PARAMS == static_cast<int>(rt::Status::bad_channel_params), "status values");
static_assert(MPQ_FW_BUFFER_TABLE_MISMATCH == static_cast<int>(rt::Status::buffer_table_mismatch), "status values");
static_assert(MPQ_FW_BUFFER_SIZE_MISMATCH == static_cast<int>(rt::Status::buffer_size_mismatch), "status values");
static_assert(MPQ_FW_PLAN_MISMATCH == static_cast<int>(rt::Status::plan_mismatch), "status values");
static_assert(MPQ_FW_LOAD_SCRATCH_TOO_SMALL == static_cast<int>(rt::Status::load_scratch_too_small), "status values");
static_assert(MPQ_FW_MISALIGNED_ARENA == static_cast<int>(rt::Status::misaligned_arena), "status values");
static_assert(MPQ_FW_ARENA_TOO_SMALL == static_cast<int>(rt::Status::arena_too_small), "status values");
static_assert(MPQ_FW_KERNEL_FAILED == static_cast<int>(rt::Status::kernel_failed), "status values");
static_assert(MPQ_FW_BAD_PATCH_STAGE == static_cast<int>(rt::Status::bad_patch_stage), "status values");
static_assert(MPQ_FW_KERNEL_NOT_LINKED == static_cast<int>(rt::Status::kernel_not_linked), "status values");
static_assert(MPQ_FW_PATCH_STAGE_COSTS_RAM == static_cast<int>(rt::Status::patch_stage_costs_ram), "status values");
static_assert(MPQ_FW_INPUT_MODE_MISMATCH == static_cast<int>(rt::Status::input_mode_mismatch), "status values");
static_assert(MPQ_FW_INPUT_READ_FAILED == static_cast<int>(rt::Status::input_read_failed), "status values");
static_assert(sizeof(mpq_fw_status) == 4 && sizeof(mpq_fw_kernels) == 4, "32-bit enums whatever -fshort-enums says");
static_assert(MPQ_FW_KERNELS_FAST == static_cast<int>(rt::KernelVariant::fast) &&
                  MPQ_FW_KERNELS_REFERENCE == static_cast<int>(rt::KernelVariant::reference),
              "kernel variant values");

constexpr uint32_t kLoadedTag = 0x4C51504Du;  // "MPQL"

struct LoadedModel {
  uint32_t tag;
  int32_t input_zero_point;  // of buffer 0, read from the first op that reads it
  rt::ModelView view;
};
static_assert(std::is_same<mpq_fw_input_reader, rt::InputReader>::value, "one reader type for C and C++");
static_assert(sizeof(LoadedModel) <= MPQ_FW_MODEL_BYTES, "mpq_fw_model holds a loaded model");
static_assert(alignof(LoadedModel) <= alignof(mpq_fw_model), "mpq_fw_model is aligned for a loaded model");
static_assert(__is_trivially_copyable(LoadedModel), "kept in mpq_fw_model by memcpy");

mpq_fw_status to_c(rt::Status status) { return static_cast<mpq_fw_status>(status); }

// The loaded state of `model`, or false if it is null or was not loaded.
bool read_model(const mpq_fw_model* model, LoadedModel* loaded) {
  if (model == nullptr) return false;
  std::memcpy(loaded, model->opaque.bytes, sizeof *loaded);
  return loaded->tag == kLoadedTag;
}

int32_t input_zero_point(const rt::ModelView& view) {
  for (uint16_t i = 0; i < view.op_count; ++i) {
    const rt::OpRecord op = rt::decode_op_record(view.ops + static_cast<uint32_t>(i) * mpq::blob::kOpRecordBytes);
    if (op.input_buffer == 0) return op.input_zero_point;
    if (op.input2_buffer == 0) return op.input2_zero_point;
  }
  return 0;  // unreachable for a loaded blob: its first op reads buffer 0
}

}  // namespace

extern "C" {

mpq_fw_status mpq_fw_query_memory(const uint8_t* blob, uint32_t blob_bytes, mpq_fw_memory* memory) {
  if (memory == nullptr) return MPQ_FW_BAD_ARGUMENT;
  rt::BlobMemory need{};
  const rt::Status s = rt::query_blob_memory(blob, blob_bytes, &need);
  if (s == rt::Status::ok) *memory = {need.arena_bytes, need.arena_alignment, need.load_scratch_bytes};
  return to_c(s);
}

mpq_fw_status mpq_fw_load_with_kernels(mpq_fw_model* model, const mpq_fw_kernel_table* kernels, const uint8_t* blob,
                                       uint32_t blob_bytes, void* scratch, uint32_t scratch_bytes,
                                       mpq_fw_load_error* error) {
  if (model == nullptr) return MPQ_FW_BAD_ARGUMENT;
  std::memset(model->opaque.bytes, 0, sizeof model->opaque.bytes);  // not loaded until ok
  if (kernels == nullptr) return MPQ_FW_BAD_ARGUMENT;
  LoadedModel loaded{};
  rt::LoadError where;
  const rt::Status s = rt::load_model(blob, blob_bytes, scratch, scratch_bytes, *kernels, &loaded.view, &where);
  if (error != nullptr) {
    const bool missing = s == rt::Status::kernel_not_linked;
    *error = {where.op,
              where.buffer,
              static_cast<int32_t>(where.kernel_status),
              missing ? static_cast<uint8_t>(where.variant.kernel) : uint8_t{0},
              missing ? where.variant.input_bits : uint8_t{0},
              missing ? where.variant.weight_bits : uint8_t{0},
              missing ? where.variant.output_bits : uint8_t{0}};
  }
  if (s != rt::Status::ok) return to_c(s);
  loaded.tag = kLoadedTag;
  loaded.input_zero_point = input_zero_point(loaded.view);
  std::memcpy(model->opaque.bytes, &loaded, sizeof loaded);
  return MPQ_FW_OK;
}

mpq_fw_status mpq_fw_load(mpq_fw_model* model, const uint8_t* blob, uint32_t blob_bytes, void* scratch,
                          uint32_t scratch_bytes, mpq_fw_load_error* error) {
  return mpq_fw_load_with_kernels(model, &mpq_fw_all_kernels, blob, blob_bytes, scratch, scratch_bytes, error);
}

uint32_t mpq_fw_arena_bytes(const mpq_fw_model* model) {
  LoadedModel m;
  return read_model(model, &m) ? m.view.arena_bytes : 0;
}

uint32_t mpq_fw_arena_alignment(const mpq_fw_model* model) {
  LoadedModel m;
  return read_model(model, &m) ? m.view.arena_alignment : 0;
}

mpq_fw_status mpq_fw_get_input_params(const mpq_fw_model* model, mpq_fw_input_params* params) {
  LoadedModel m;
  if (params == nullptr || !read_model(model, &m)) return MPQ_FW_BAD_ARGUMENT;
  const rt::ModelView& v = m.view;
  *params = {v.input_h, v.input_w, v.input_c, static_cast<uint32_t>(v.input_h) * v.input_w * v.input_c, 8,
             m.input_zero_point, v.input_lut};
  return MPQ_FW_OK;
}

mpq_fw_status mpq_fw_get_output_params(const mpq_fw_model* model, mpq_fw_output_params* params) {
  LoadedModel m;
  if (params == nullptr || !read_model(model, &m)) return MPQ_FW_BAD_ARGUMENT;
  *params = {m.view.classes, m.view.output_bits, m.view.output_zero_point, m.view.output_scale};
  return MPQ_FW_OK;
}

mpq_fw_status mpq_fw_run_kernels(const mpq_fw_model* model, const uint8_t* image, void* arena, uint32_t arena_bytes,
                                 mpq_fw_kernels kernels) {
  LoadedModel m;
  if (!read_model(model, &m) || (kernels != MPQ_FW_KERNELS_FAST && kernels != MPQ_FW_KERNELS_REFERENCE))
    return MPQ_FW_BAD_ARGUMENT;
  return to_c(rt::run_model(m.view, image, arena, arena_bytes, static_cast<rt::KernelVariant>(kernels)));
}

mpq_fw_status mpq_fw_run(const mpq_fw_model* model, const uint8_t* image, void* arena, uint32_t arena_bytes) {
  return mpq_fw_run_kernels(model, image, arena, arena_bytes, MPQ_FW_KERNELS_FAST);
}

int mpq_fw_input_streamed(const mpq_fw_model* model) {
  LoadedModel m;
  return read_model(model, &m) && m.view.patch.stream_input ? 1 : 0;
}

mpq_fw_status mpq_fw_run_streamed_kernels(const mpq_fw_model* model, mpq_fw_input_reader reader, void* user,
                                          void* arena, uint32_t arena_bytes, mpq_fw_kernels kernels) {
  LoadedModel m;
  if (!read_model(model, &m) || (kernels != MPQ_FW_KERNELS_FAST && kernels != MPQ_FW_KERNELS_REFERENCE))
    return MPQ_FW_BAD_ARGUMENT;
  rt::InputStream input;
  input.read = reader;
  input.user = user;
  return to_c(rt::run_model(m.view, input, arena, arena_bytes, static_cast<rt::KernelVariant>(kernels)));
}

mpq_fw_status mpq_fw_run_streamed(const mpq_fw_model* model, mpq_fw_input_reader reader, void* user, void* arena,
                                  uint32_t arena_bytes) {
  return mpq_fw_run_streamed_kernels(model, reader, user, arena, arena_bytes, MPQ_FW_KERNELS_FAST);
}

mpq_fw_status mpq_fw_output_codes(const mpq_fw_model* model, const void* arena, int32_t* codes, uint32_t count) {
  LoadedModel m;
  if (!read_model(model, &m)) return MPQ_FW_BAD_ARGUMENT;
  return to_c(rt::unpack_output(m.view, arena, codes, count));
}

mpq_fw_status mpq_fw_output_scores(const mpq_fw_model* model, const int32_t* codes, float* scores, uint32_t count) {
  LoadedModel m;
  if (!read_model(model, &m)) return MPQ_FW_BAD_ARGUMENT;
  return to_c(rt::dequantize_output(m.view, codes, scores, count));
}

uint32_t mpq_fw_argmax(const int32_t* codes, uint32_t count) {
  uint32_t top = 0;
  for (uint32_t k = 1; codes != nullptr && k < count; ++k)
    if (codes[k] > codes[top]) top = k;
  return top;
}

const char* mpq_fw_status_name(mpq_fw_status status) {
  // Out-of-range values come from C callers; the C++ names already answer "unknown".
  return rt::status_name(static_cast<rt::Status>(static_cast<uint8_t>(
      static_cast<unsigned>(status) < MPQ_FW_STATUS_COUNT ? status : MPQ_FW_STATUS_COUNT)));
}

const char* mpq_fw_kernel_status_name(int32_t kernel_status) {
  return mpq::kernels::status_name(static_cast<mpq::kernels::Status>(kernel_status));
}

const char* mpq_fw_op_kernel_name(uint8_t op_kernel) {
  // Out-of-range values come from C callers; op_kernel_name already answers "unknown".
  return rt::op_kernel_name(static_cast<rt::OpKernel>(op_kernel < rt::kOpKernelCount ? op_kernel : rt::kOpKernelCount));
}

}  // extern "C"
