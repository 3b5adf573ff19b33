#include "libmpq/runtime/status.hpp"

namespace mpq::rt {

const char* status_name(Status status) {
  static const char* const names[] = {
      "ok",
      "bad_argument",
      "misaligned_blob",
      "too_short",
      "bad_magic",
      "bad_version",
      "size_mismatch",
      "checksum_mismatch",
      "bad_header_field",
      "section_out_of_bounds",
      "section_misaligned",
      "sections_overlap",
      "unsupported_op_kind",
      "unsupported_bits",
      "bad_op_field",
      "op_input_mismatch",
      "kernel_rejected",
      "weights_size_mismatch",
      "bad_channel_params",
      "buffer_table_mismatch",
      "buffer_size_mismatch",
      "plan_mismatch",
      "load_scratch_too_small",
      "misaligned_arena",
      "arena_too_small",
      "kernel_failed",
      "bad_patch_stage",
      "kernel_not_linked",
      "patch_stage_costs_ram",
      "input_mode_mismatch",
      "input_read_failed",
  };
  static_assert(sizeof(names) / sizeof(names[0]) == kStatusCount, "one name per Status");
  const uint8_t index = static_cast<uint8_t>(status);
  return index < kStatusCount ? names[index] : "unknown";
}

}  // namespace mpq::rt
