// In-place pairs (MCUNet's in-place depthwise, and pointwise convs too): a depthwise op or
// pointwise conv whose input nothing after it reads may write its output over that input,
// the output starting `lag` bytes before it, so the pair costs max(lag + in, out) bytes of
// arena instead of in + out; pairs may chain into one buffer. The rule lives
// here, freestanding, because the host's memory model (libmpq/mcu's plan_model_arena) and
// load_model's re-plan must place the same buffers the same way (docs/memory-model.md,
// "In-place depthwise").
#pragma once

#include <cstdint>

#include "libmpq/runtime/op_record.hpp"
#include "libmpq/runtime/patch_stage.hpp"
#include "libmpq/runtime/plan_arena.hpp"

namespace mpq::rt {

// The smallest lag in bytes (>= 0) that lets the kernels, which finish output pixels in
// raster order and write only their current pixel's bytes, run with
// output = input - lag: for every output pixel p, the output bytes up to the end of p,
// [input - lag, input - lag + (p + 1) * out_pixel), end at or before the first input byte
// any pixel >= p still reads (p's own taps count: the reference kernel clears its output
// pixel before reading them). -1 when `record` is not a depthwise op with a valid window.
// O(out_h * out_w): cheap enough for load_model on a microcontroller.
int32_t inplace_depthwise_lag(const OpRecord& record);

// The lag of an op that may run in place: inplace_depthwise_lag for a depthwise op,
// inplace_pointwise_lag (libmpq/runtime/inplace_pointwise.hpp) for a conv the pointwise
// kernel runs (1x1, stride 1, no padding); -1 for any other record.
int32_t inplace_lag(const OpRecord& record);

// Op `op` may run in place (docs/memory-model.md, "In-place pointwise"): a depthwise op or
// a pointwise conv outside the patch stage whose input is an earlier op's output (not the
// network input, buffer 0, which callers fill and may read back) read by no later op
// (`input_last_step`, its input buffer's last step as the table stores it, is the op's
// step: not a residual skip). Pairs may chain (the producer may run in place too): the
// merge below makes a chain one buffer. `records` are the blob's encoded op records.
bool inplace_eligible(const uint8_t* records, uint16_t op, PatchStage patch, uint16_t input_last_step);

// The candidates of `--inplace depthwise` (the host's choice, unchanged since pairs could
// only be depthwise): an eligible depthwise op that is not the output of a depthwise op,
// so that those pairs never chain.
bool inplace_depthwise_eligible(const uint8_t* records, uint16_t op, PatchStage patch, uint16_t input_last_step);

// The ops that run in place are those whose record has blob::kOpFlagInPlace (only on
// eligible ops: load_model refuses it elsewhere, bad_op_field).
//
// The two halves of plan_arena_inplace. merge, over the ops in order: every flagged op's
// output entry becomes the pair (size max(align(lag) + in, out), steps from the input's
// first to the output's last) and its input entry empty; a chain (a flagged op's input is
// a flagged op's output, already merged) grows the same way, so the chain is one buffer
// with each tensor align(lag) after the next one's. bad_argument if a flagged op is not
// eligible. split, over the ops in reverse order: the entries back as the table stores
// them, each input at its output's offset + align(lag). arena_lower_bound of the merged
// list is the bound with these pairs.
PlanStatus merge_inplace_pairs(const uint8_t* records, uint16_t op_count, PatchStage patch, ArenaBuffer* buffers,
                                   uint16_t count, uint32_t alignment);
void split_inplace_pairs(const uint8_t* records, uint16_t op_count, ArenaBuffer* buffers, uint16_t count,
                             uint32_t alignment);

// plan_arena with in-place pairs: with none flagged, exactly plan_arena. On return the
// buffers hold their own sizes and lifetimes again (as the table stores them), with the
// offsets placed. `buffers` must be the table's (sizes and lifetimes checked); `order`
// as plan_arena's.
PlanStatus plan_arena_inplace(const uint8_t* records, uint16_t op_count, PatchStage patch, ArenaBuffer* buffers,
                              uint16_t count, uint32_t alignment, uint16_t* order, uint32_t* arena_bytes);

}  // namespace mpq::rt
