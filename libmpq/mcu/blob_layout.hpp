// Where every byte of the integer model blob (.mpqm) goes, computed from the model's op
// records alone (libmpq/quant's op_records): the exporter writes exactly these sections
// and the memory model's FLASH is `total_bytes`, so the two cannot disagree.
// Format: docs/blob-format.md.
#pragma once

#include <cstdint>
#include <vector>

#include "libmpq/mcu/plan_model_arena.hpp"
#include "libmpq/runtime/blob_format.hpp"
#include "libmpq/runtime/op_record.hpp"

namespace mpq {

// The sections of one op. Offsets are from the blob's start; 0 means absent.
struct OpSections {
  uint32_t record_offset = 0;
  uint32_t weights_offset = 0;
  uint32_t weights_bytes = 0;         // packed weights (kernels/packing.hpp)
  uint32_t weights_padded_bytes = 0;  // + zero bytes up to the next multiple of 4
  uint32_t channel_params_offset = 0; // bias[C] at +0, multiplier[C] at +4C, shift[C] at +8C
  uint32_t channels = 0;              // C: output channels of a weighted op, else 0
  uint32_t channel_params_bytes() const { return channels * blob::kChannelParamBytes; }
};

struct BlobLayout {
  uint16_t input_h = 0, input_w = 0, input_c = 0;  // the network input: op 0's input
  uint16_t classes = 0;                            // the last op's output channels
  uint32_t input_lut_offset = 0, input_lut_bytes = 0;
  uint32_t ops_offset = 0, ops_bytes = 0;
  uint32_t buffers_offset = 0, buffers_bytes = 0;
  uint32_t data_offset = 0;  // first weight section (== total_bytes without weighted ops)
  uint32_t total_bytes = 0;
  std::vector<OpSections> ops;
  // The op records with their sections' offsets and sizes filled in; the exporter adds
  // the quantization parameters.
  std::vector<rt::OpRecord> records;
  ModelArena arena;  // the buffer table's contents
};

// Requires: records as plan_model_arena requires them. Ensures: sections in the order
// header, input LUT, op records, buffer table, then per weighted op in execution order its
// weights and channel parameters; every section 4-byte aligned, padding included in
// total_bytes. Throws Error when weights exceed the kernels' limits or the blob 4 GiB.
// With a patch stage, the header records it and the buffer table is plan_model_arena's for
// it; nothing else moves, and without one the blob is byte for byte what it was before
// stages existed.
// The buffer table is plan_model_arena's with `inplace`'s pairs, whose records get
// blob::kOpFlagInPlace.
// `kinds`: which ops `inplace` picks among (plan_model_arena).
BlobLayout blob_layout(const std::vector<rt::OpRecord>& records, rt::PatchStage patch = {},
                       InplaceDepthwise inplace = InplaceDepthwise::off,
                       InplaceKinds kinds = InplaceKinds::depthwise);

}  // namespace mpq
