// The models of the firmware bit-exactness tests: the default architecture with random
// weights (seeded), BatchNorm statistics from a few training-mode passes over real
// images and activation grids calibrated on them, exported at four policies. Trained
// weights are not needed to prove host == target: the integer path is the same
// arithmetic whatever the weights are, and calibrated grids keep every layer's codes
// spread over their range.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libmpq/data/pixel_normalization.hpp"
#include "libmpq/mcu/plan_model_arena.hpp"
#include "libmpq/nn/model.hpp"
#include "libmpq/quant/policy.hpp"
#include "libmpq/runtime/patch_stage.hpp"
#include "tests/firmware/host/fixture_images.hpp"

namespace mpq::firmware {

struct NamedPolicy {
  std::string name;  // a C identifier: w8a8, w4a4, w2a2, mixed
  Policy policy;
};

// Uniform 8/8, 4/4, 2/2 (weights/activations; the logits stay 8-bit, as uniform_policy
// keeps them) and one mixed policy: weight bits cycle 8, 4, 2 and activation bits
// 4, 8, 2, 4, 2 over the decisions (logits 8-bit), so that the kernels meet many
// input/weight/output combinations.
std::vector<NamedPolicy> fixture_policies(const QuantGraph& graph);

struct FixtureModel {
  std::string name;
  Policy policy;
  std::vector<uint8_t> blob;
  int64_t macs = 0;  // per inference, the patch stage's halo included
};

// The exported blob of `policy` (what `mpq export` would write for such a checkpoint).
// `calibration`: float inputs for the BN statistics and the activation grids. With `patch`
// present the blob runs that patch stage (same weights and parameters as without);
// `inplace` chooses its in-place ops among `kinds` (convert_to_blob).
FixtureModel build_fixture_model(const ModelSpec& spec, const NamedPolicy& policy, const Tensor& calibration,
                                 const PixelNormalization& normalization, uint64_t seed, rt::PatchStage patch = {},
                                 InplaceDepthwise inplace = InplaceDepthwise::off,
                                 InplaceKinds kinds = InplaceKinds::depthwise);
// The same for any float model (its weights already drawn).
FixtureModel build_fixture_model(Model float_model, const NamedPolicy& policy, const Tensor& calibration,
                                 const PixelNormalization& normalization, rt::PatchStage patch = {},
                                 InplaceDepthwise inplace = InplaceDepthwise::off,
                                 InplaceKinds kinds = InplaceKinds::depthwise);

// The stage `mpq export --patch auto` picks for the policy (20 % MAC cap), or the first
// seven ops on a 4x4 grid when no stage lowers its RAM: the firmware runs a stage either way.
rt::PatchStage fixture_patch_stage(const QuantGraph& graph, const Policy& policy);

// The stage with a residual add inside it that saves the most RAM on `policy` (ties: the
// shorter stage; grids 2 to 4): what the firmware's residual fixture runs. Error when the
// graph has none that saves RAM.
rt::PatchStage residual_patch_stage(const QuantGraph& graph, const Policy& policy);

// A model with every window pool on the default model's input (1x32x32, 10 classes), seeded
// weights: conv 3x3/2 p1 (1->8) BN ReLU, max pool 3x3/2 p1 (-> 8x8), conv 3x3 p1 (8->12)
// BN (no ReLU: the pools see a zero point), average pool 3x3/1 p1 without
// count_include_pad, average pool 3x3/2 p1 with it (-> 4x4), pointwise (12->14) BN ReLU,
// max pool 2x2/2 (-> 2x2), global pool, linear 14->10.
Model pooling_fixture_model(uint64_t seed);
// Windows that are not square on the default model's input (a version 4 blob): conv
// 10x4/2 p(t,l,b,r) 4,1,5,1 (DS-CNN's stem, 1->8) BN ReLU (-> 16x16), depthwise 3x1/1x2
// p 1,0,1,0 BN ReLU6 (-> 16x8), max pool 2x3/2x1 p 0,1,1,1 (-> 8x8), conv 1x3 p 0,1,0,1
// (8->12) BN, average pool 3x2/1x2 p 1,0,1,1 without count_include_pad (-> 8x4), average
// pool 2x3/2x1 p 0,1,1,1 with it (-> 4x4), pointwise (12->14) BN ReLU, global pool, linear.
Model window_fixture_model(uint64_t seed);

}  // namespace mpq::firmware
