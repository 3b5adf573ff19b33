// The activation arena of a model's op records: the buffers the runtime allocates and
// their placement by libmpq/runtime's plan_arena (the rule of docs/memory-model.md).
#pragma once

#include <cstdint>
#include <vector>

#include "libmpq/runtime/blob_format.hpp"
#include "libmpq/runtime/inplace_pairs.hpp"
#include "libmpq/runtime/op_record.hpp"
#include "libmpq/runtime/patch_stage.hpp"
#include "libmpq/runtime/plan_arena.hpp"

namespace mpq {

// Every buffer offset and the arena size are multiples of this: scratch must be 4-byte
// aligned for the kernels, and word-aligned activations let them load 32 bits at a time.
constexpr uint32_t kArenaAlignment = 4;
constexpr uint16_t kNoBuffer = blob::kNoBuffer;

// Buffer ids of one op (indices into ModelArena::buffers; kNoBuffer when absent).
struct OpBuffers {
  uint16_t input[2] = {kNoBuffer, kNoBuffer};
  uint16_t output = kNoBuffer;
  uint16_t scratch = kNoBuffer;
};

struct ModelArena {
  // Buffer 0: the 8-bit network input, steps [0, last reader] (size 0 when streamed). Then for op i, which runs
  // at step i + 1: its output, steps [i + 1, its last reader's step] ([i + 1, i + 1] if
  // nothing reads it), followed by its scratch, steps [i + 1, i + 1], if the kernel needs
  // any. Sizes are exact (unaligned); offsets are plan_arena's.
  std::vector<rt::ArenaBuffer> buffers;
  std::vector<OpBuffers> ops;         // one per op
  std::vector<uint32_t> scratch;      // scratch bytes per op (0: no scratch buffer)
  uint32_t arena_bytes = 0;           // plan_arena's arena size
  uint32_t lower_bound = 0;           // arena_lower_bound of the same buffers
  // With a patch stage (docs/memory-model.md, "Patch stage"): the stage ops' outputs but
  // the last and their scratch are per-tile buffers, and two buffers follow the ops' ones:
  // the stage input's window and the last op's tile.
  rt::PatchStage patch;
  // The ops that run in place (rt::plan_arena_inplace, docs/memory-model.md, "In-place
  // depthwise"), increasing: their records get blob::kOpFlagInPlace. The buffers keep
  // their own sizes and lifetimes; such an op's input sits at its output's offset + the
  // aligned lag.
  std::vector<uint16_t> inplace_ops;
  // The depthwise ops given the fast kernel's one-chunk scratch (grant_one_chunk_scratch,
  // docs/memory-model.md, "Scratch"), increasing: their records get blob::kOpFlagOneChunk
  // and `scratch` holds that size.
  std::vector<uint16_t> one_chunk_ops;
};

// Which eligible ops run in place: none; those that lower the arena (best: of two greedy
// passes, removing pairs from all eligible ones while the arena does not grow and adding
// them to none while it shrinks (a pair that does not shrink it alone is tried with its
// producer's pair, chained), the smaller arena, ties the second; with InplaceKinds::all
// also the depthwise choice, kept where its arena is smaller, so `all` never needs more
// RAM than `depthwise`); or every eligible one (tests: the bit-exact runs need pairs even
// where they cost RAM).
enum class InplaceDepthwise : uint8_t { off, best, every };

// Which ops are candidates (`--inplace`, docs/memory-model.md): none; `depthwise`, the
// eligible depthwise ops whose producer is not a depthwise op (rt::inplace_depthwise_eligible:
// pairs never chain; what `--inplace depthwise` has chosen since it exists); `all`, every
// eligible depthwise op and pointwise conv (rt::inplace_eligible: chains allowed).
enum class InplaceKinds : uint8_t { none, depthwise, all };

// Requires: `records` as op_records (libmpq/quant) makes them: op 0 reads the network
// input, buffer ids follow the table's rule. Sizes come from rt::op_requirements, the
// function load_model checks blobs with. Throws Error when the records break the rule,
// the graph has more steps than the blob's 16-bit fields hold, a buffer exceeds 2 GiB, or
// a kernel refuses an op.
// With `patch` present, the stage must pass rt::check_patch_stage and its tiles the
// kernels' checks (Error naming the op otherwise). With patch.stream_input (a stage from
// op 0 whose input nothing after it reads) buffer 0 has size 0: the runtime reads the
// input window by window into the stage's window buffer.
// The placement is rt::plan_arena_inplace's with the pairs `inplace` picks, as load_model
// re-plans a blob whose records carry blob::kOpFlagInPlace (records given with that flag:
// it is ignored, `inplace` decides). Then depthwise ops get their one-chunk scratch where
// the arena does not grow (grant_one_chunk_scratch; a flag given is ignored likewise).
// `kinds` says which eligible ops `inplace` picks among (none: as InplaceDepthwise::off).
ModelArena plan_model_arena(const std::vector<rt::OpRecord>& records, rt::PatchStage patch = {},
                            InplaceDepthwise inplace = InplaceDepthwise::off,
                            InplaceKinds kinds = InplaceKinds::depthwise);

// A bound no choice of in-place pairs goes below: the arena plan_model_arena(records,
// patch, any InplaceDepthwise, kinds) plans is at least this (per step, the live bytes,
// the running op's input and output counted as its pair's extent when it is a candidate
// and that is fewer: a pair or chain is one buffer at least that large over their
// lifetimes). Without planning: best_patch_stage skips with it the stages whose pairs
// cannot win. Errors as plan_model_arena's.
uint32_t inplace_arena_lower_bound(const std::vector<rt::OpRecord>& records, rt::PatchStage patch = {},
                                   InplaceKinds kinds = InplaceKinds::depthwise);

// Places `buffers` (their offsets) as load_model re-plans a blob of `records`, whose
// in-place flags say which pairs share bytes, with `patch`; returns the arena size.
// Throws Error when rt::plan_arena_inplace refuses the list.
uint32_t place_buffers(const std::vector<rt::OpRecord>& records, rt::PatchStage patch,
                       std::vector<rt::ArenaBuffer>* buffers);

// The records encoded back to back, as the blob's op section holds them: the form the
// runtime's patch-stage functions read.
std::vector<uint8_t> encoded_records(const std::vector<rt::OpRecord>& records);

}  // namespace mpq
