// A validated model blob: what load_model() returns and run_model() runs. Pointers into
// the caller's blob (which must outlive the view) plus the header fields the executor
// and the output helpers need; nothing is copied.
#pragma once

#include <cstdint>

#include "libmpq/runtime/mpq_fw_kernels.h"
#include "libmpq/runtime/patch_stage.hpp"

namespace mpq::rt {

struct ModelView {
  const uint8_t* blob = nullptr;       // 4-byte aligned, blob_bytes long
  uint32_t blob_bytes = 0;
  const uint8_t* input_lut = nullptr;  // input_c tables of 256 input codes, one per channel
  const uint8_t* ops = nullptr;        // op_count records of blob::kOpRecordBytes
  const uint8_t* buffers = nullptr;    // buffer_count records of blob::kBufferRecordBytes
  uint16_t op_count = 0;
  uint16_t buffer_count = 0;
  uint16_t input_h = 0, input_w = 0, input_c = 0;  // the raw 8-bit HWC image
  uint16_t classes = 0;                            // output values
  uint32_t arena_bytes = 0;       // what the caller allocates for run_model
  uint32_t arena_alignment = 0;   // the arena's start must be a multiple of this
  uint32_t input_offset = 0;      // buffer 0 (8-bit input codes) in the arena
  uint32_t output_offset = 0;     // the output buffer in the arena
  uint8_t output_bits = 0;        // packing of the `classes` output codes
  int32_t output_zero_point = 0;  // real output = output_scale * (code - output_zero_point)
  float output_scale = 0.f;
  PatchStage patch;               // the ops run tile by tile (absent: op_count 0)
  uint16_t patch_window_buffer = 0;  // with a stage: the buffer of the stage input's window
  uint16_t patch_tile_buffer = 0;    // and the one of the last op's output tile
  const mpq_fw_kernel_table* kernels = nullptr;  // what load_model was given; outlives the view
};

}  // namespace mpq::rt
