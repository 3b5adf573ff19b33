// export: turns a fine-tuned fake-quant model into the integer-only model blob (.mpqm,
// docs/blob-format.md) and into C source for firmware. Sits above quant (the fake-quant
// model and the op records of its graph) and mcu (the blob layout that fixes every byte's
// place, so that the blob's size is the memory model's FLASH by construction).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libmpq/mcu/plan_model_arena.hpp"
#include "libmpq/nn/model.hpp"
#include "libmpq/quant/policy.hpp"
#include "libmpq/quant/quant_graph.hpp"
#include "libmpq/runtime/patch_stage.hpp"

namespace mpq {

// How raw 8-bit pixels became the float network input: x = (p / 255 - mean[c]) / std[c].
struct InputNormalization {
  std::vector<float> mean, std;
};

// Converts `fake_quant` (built by build_fake_quant_model from `graph`'s BN-folded model for
// `policy`, evaluation mode) into a blob: the records of op_records(graph, policy) (which
// validates the policy), laid out by blob_layout, filled as structs and encoded once, with
// one CRC. Weights are packed at the policy's bits, which each layer's quantizer must
// share. Weight codes, per-channel scales and activation grids are taken from the
// fake-quant model exactly; biases are rounded on the layer's grid (bias_step: s_in * s_w
// by default, s_in * s_w / 2^(8 - w_bits) with fine_bias) and stored as int32 in the
// accumulator's unit s_in * s_w / 2^(8 - w_bits) (accumulator_scale), requantization
// multipliers of that unit / s_out become (multiplier, shift) pairs, the input zero point is
// folded into the biases, and the input look-up table maps every raw pixel value to the
// input grid's code. Throws Error naming the op when a value cannot be represented. With
// `patch` present the blob runs that patch stage (blob_layout's buffer table for it); the
// other bytes are those of the blob without it. `inplace` chooses the depthwise ops that
// run in place (their records' blob::kOpFlagInPlace, the arena planned with them):
// `mpq export --inplace depthwise` is InplaceDepthwise::best; ::every (every eligible op,
// whatever it does to RAM) is for tests that want the most in-place ops. `kinds` (`--inplace
// all`: pointwise convs too) as plan_model_arena's.
std::vector<uint8_t> convert_to_blob(Model& fake_quant, const QuantGraph& graph, const Policy& policy,
                                     const InputNormalization& input, rt::PatchStage patch = {},
                                     InplaceDepthwise inplace = InplaceDepthwise::off,
                                     InplaceKinds kinds = InplaceKinds::depthwise);

}  // namespace mpq
