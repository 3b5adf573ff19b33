// Which depthwise ops get the fast kernel's one-chunk scratch (blob::kOpFlagOneChunk):
// plan_model_arena's last step, after the in-place pairs are chosen and placed.
#pragma once

#include <vector>

#include "libmpq/mcu/plan_model_arena.hpp"
#include "libmpq/runtime/op_record.hpp"

namespace mpq {

// A depthwise op of many channels (outside a patch stage) may run its fast kernel in
// chunks, which needs the least scratch but expands the weights once per output row; with
// the one-chunk scratch it expands them once per call. Grants that scratch to such ops
// where the arena does not grow: to all of them when that holds (the usual case: these
// layers sit far from the peak), else op by op in order. Updates `records`' flags and
// `arena` (buffer sizes and placement, scratch, arena_bytes, one_chunk_ops).
// Requires: `arena` is plan_model_arena's plan of `records`, which carry its pairs' flags.
void grant_one_chunk_scratch(std::vector<rt::OpRecord>* records, ModelArena* arena);

}  // namespace mpq
