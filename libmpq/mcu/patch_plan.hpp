// Choosing a patch stage (runtime/patch_stage.hpp) for op records: its cost in MACs (the
// halo that neighbouring tiles both compute) and the stage and grid that minimize the
// planned arena under a cap on the extra MACs. The RAM of a candidate is memory_report's,
// i.e. the arena the runtime will plan and use for it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libmpq/mcu/plan_model_arena.hpp"
#include "libmpq/runtime/op_record.hpp"
#include "libmpq/runtime/patch_stage.hpp"

namespace mpq {

// Multiply-accumulates of one op run whole (conv, depthwise, fc; 0 for the others).
int64_t op_macs(const rt::OpRecord& op);
// Of the whole model layer by layer.
int64_t model_macs(const std::vector<rt::OpRecord>& records);
// Of the whole model with `patch` run tile by tile (== model_macs without a stage).
int64_t patched_macs(const std::vector<rt::OpRecord>& records, rt::PatchStage patch);

// The stage of ops [0, last_op] on a grid x grid tiling, checked like load_model checks it:
// Error naming the op otherwise.
rt::PatchStage patch_stage_through(const std::vector<rt::OpRecord>& records, size_t last_op, int grid);

// `--patch` as the CLI takes it: "none", "auto" or "LAST_OP:N" with LAST_OP an op index or
// name (`names`, one per record). Error on anything else.
struct PatchRequest {
  bool automatic = false;
  bool present = false;  // a stage by hand
  size_t last_op = 0;
  int grid = 0;
};
PatchRequest parse_patch_request(const std::string& text, const std::vector<std::string>& names);
// Its inverse for a stage from op 0, by op index: "none" or "LAST_OP:GRID" (what the
// search records in its final checkpoints for mpq export).
std::string patch_request_text(rt::PatchStage stage);

// Among the stages [0, last] (every last op a stage can end at) and grids 2..8 (no larger
// than the stage output), the one whose arena is smallest with patched MACs at most
// (1 + max_overhead) x the layer-by-layer MACs; ties: fewer MACs, then the shorter stage.
// Absent (op_count 0) when no candidate beats the arena without a stage. With
// `stream_input` the candidates stream the input (PatchStage::stream_input) and the arenas
// compared are theirs.
// With `inplace` the arenas are planned with in-place pairs of those kinds, and a
// stage must beat the arena without a stage both with and without them (load_model's
// patch_stage_costs_ram check compares with the plain layer-by-layer arena).
rt::PatchStage choose_patch_stage(const std::vector<rt::OpRecord>& records, double max_overhead,
                                  bool stream_input = false, InplaceKinds inplace = InplaceKinds::none);

// choose_patch_stage in two halves, for callers that choose for many policies of one
// graph (the search's budget check): which stages pass the structural check and the MAC
// cap depends on the ops' shapes only, not on their bits, so it is computed once.
struct PatchCandidate {
  rt::PatchStage stage;
  int64_t macs = 0;  // patched_macs with it
};
// The stages choose_patch_stage tries that are valid and within the MAC cap, in its order.
std::vector<PatchCandidate> patch_candidates(const std::vector<rt::OpRecord>& records, double max_overhead);
// choose_patch_stage's pick among `candidates` (of records with these shapes, any bits).
// With `inplace`, a candidate whose inplace_arena_lower_bound already loses is
// not planned (the pick is the same).
rt::PatchStage best_patch_stage(const std::vector<rt::OpRecord>& records,
                                const std::vector<PatchCandidate>& candidates, InplaceKinds inplace = InplaceKinds::none);
// The arena without a stage a stage must not exceed: memory_report's, and with
// `inplace` the smaller of it with and without in-place pairs.
uint32_t arena_without_stage(const std::vector<rt::OpRecord>& records, InplaceKinds inplace);

// `--patch-input` as the CLI takes it: "whole" (false: the input is in the arena, the
// default) or "stream" (true: the stage reads it window by window from the caller,
// PatchStage::stream_input). Error on anything else.
bool parse_patch_input(const std::string& text);
// The one refusal of --patch-input stream without a stage: Error naming both flags when
// `stream_input` is set and `patch` (--patch's text) is none, since only a patch stage from
// op 0 streams the input. resolve_patch, the search's budget and the CLI's options call it.
void check_patch_input(const std::string& patch, bool stream_input);
// `--inplace` as the CLI takes it: "none" (the default), "depthwise" (in-place depthwise
// pairs, rt::plan_arena_inplace) or "all" (depthwise and pointwise pairs, which may chain).
// Error on anything else.
InplaceKinds parse_inplace_option(const std::string& text);
// The word parse_inplace_option reads back to `inplace`: "none", "depthwise" or "all".
const char* inplace_option_word(InplaceKinds inplace);

// The stage `--patch TEXT` asks for (parse_patch_request): none, the automatic choice under
// `max_overhead`, or the stage by hand, which is refused (Error naming its last op) when
// its arena would be larger than without it. With `stream_input` (--patch-input stream)
// the stage streams the network input; Error when the request is none, or auto finds no
// stage.
rt::PatchStage resolve_patch(const std::vector<rt::OpRecord>& records, const std::vector<std::string>& names,
                             const std::string& text, double max_overhead, bool stream_input = false,
                             InplaceKinds inplace = InplaceKinds::none);

}  // namespace mpq
