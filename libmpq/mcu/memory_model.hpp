// mcu: what a policy costs on a microcontroller. Board profiles, the byte layout of the
// integer model blob, and the memory model (FLASH = blob bytes, RAM = the planned arena),
// all computed on the host from the blob's op records (libmpq/quant's op_records of a
// graph and a policy) with the rules the device runtime validates blobs with
// (rt::op_requirements; docs/memory-model.md, docs/blob-format.md).
#pragma once

#include <cstdint>
#include <vector>

#include "libmpq/mcu/blob_layout.hpp"

namespace mpq {

// One op's share of FLASH and its RAM situation at its step (op i runs at step i + 1).
// Op i is the graph's op i (its name: graph.ops[i].name).
struct OpMemory {
  uint8_t kind = blob::op_kind::conv;  // blob::op_kind, the QOpKind value
  int weight_bits = 0;          // 0 without weights
  int input_bits = 8;           // first input
  int output_bits = 8;
  // FLASH
  uint32_t weight_bytes = 0;    // packed weights + padding to 4 bytes
  uint32_t param_bytes = 0;     // bias/multiplier/shift per channel + op record + its buffer records
  // RAM
  uint32_t input_bytes = 0;     // packed input activation(s): both inputs of an add
  uint32_t output_bytes = 0;    // packed output activation
  uint32_t scratch_bytes = 0;   // the kernel's scratch
  uint32_t live_bytes = 0;      // sum of the (4-byte aligned) buffers live at this step
  uint32_t arena_top = 0;       // end of the highest buffer live at this step
  bool peak = false;            // arena_top == the arena size: this step needs all of RAM
};

struct MemoryReport {
  std::vector<OpMemory> ops;
  // FLASH: model_flash_bytes == fixed_flash_bytes + sum of (weight_bytes + param_bytes)
  //        == blob_layout(records).total_bytes. flash_bytes is what a budget is checked
  //        against: the blob, plus libmpq_fw's code when count_code (code_size.hpp) added it.
  uint32_t fixed_flash_bytes = 0;  // header + input LUT + the input buffer's record
  uint32_t flash_bytes = 0;        // model_flash_bytes + code_flash_bytes
  uint32_t model_flash_bytes = 0;  // the blob
  uint32_t code_flash_bytes = 0;   // runtime + used kernel variants + kernel table (0: not counted)
  // RAM: the arena plan_arena places the runtime's buffers in.
  uint32_t ram_bytes = 0;
  uint32_t input_bytes = 0;         // the 8-bit network input buffer
  uint32_t ram_lower_bound = 0;     // arena_lower_bound: no placement can do better
  uint32_t naive_ram_bytes = 0;     // max over ops of input_bytes + output_bytes
  int peak_op = -1;                 // the peak step's op with the most live bytes
  // Multiply-accumulates of one inference: layer by layer, and as run with the patch
  // stage (the halo rows and columns neighbouring tiles both compute count twice).
  int64_t macs = 0;
  int64_t patched_macs = 0;         // == macs without a stage
  rt::PatchStage patch;             // the stage the RAM was planned with (absent: none)
};

// The memory of op records (op_records(graph, policy)): Errors as blob_layout's.
// `inplace`: plan with the in-place pairs of those kinds that lower RAM (InplaceDepthwise::best).
MemoryReport memory_report(const std::vector<rt::OpRecord>& records, rt::PatchStage patch = {},
                           InplaceKinds inplace = InplaceKinds::none);
// The same from a layout already computed for them.
MemoryReport memory_report(const BlobLayout& layout);

}  // namespace mpq
