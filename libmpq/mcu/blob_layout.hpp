// Where every byte of the integer model blob (.mpqm) goes, computed from the graph and the
// policy alone: the exporter writes exactly these sections and the memory model's FLASH is
// `total_bytes`, so the two cannot disagree. Format: docs/blob-format.md.
#pragma once

#include <cstdint>
#include <vector>

#include "libmpq/runtime/blob_format.hpp"
#include "libmpq/mcu/op_bits.hpp"
#include "libmpq/mcu/plan_model_arena.hpp"

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
  uint32_t input_lut_offset = 0, input_lut_bytes = 0;
  uint32_t ops_offset = 0, ops_bytes = 0;
  uint32_t buffers_offset = 0, buffers_bytes = 0;
  uint32_t data_offset = 0;  // first weight section (== total_bytes without weighted ops)
  uint32_t total_bytes = 0;
  std::vector<OpSections> ops;
  std::vector<OpBits> bits;  // op_bits(graph, policy)
  ModelArena arena;          // the buffer table's contents
};

// Requires: `policy` belongs to `graph` (Error otherwise, from validate_policy); every
// shape fits the blob's 16-bit fields and the kernels accept every op (Error naming the op
// and field otherwise). Ensures: sections in the order header, input LUT, op records,
// buffer table, then per weighted op in execution order its weights and channel
// parameters; every section 4-byte aligned, padding included in total_bytes.
BlobLayout blob_layout(const QuantGraph& graph, const Policy& policy);

}  // namespace mpq
