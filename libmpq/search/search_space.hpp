// search: the HAQ-style environment adapted to MCUs (Rusci et al. 2020): one decision per
// weight tensor and per activation tensor, state features with each tensor's share of
// FLASH and RAM, budget enforcement, rewards from short fake-quant fine-tunes, baselines,
// and the resumable search loop around the DDPG agent of libmpq/rl.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "libmpq/quant/policy.hpp"

namespace mpq {

// One step of an episode: the bits of one weight tensor or one activation tensor.
struct SearchStep {
  int decision = 0;      // index into Policy::layers
  bool weights = false;  // w_bits (true) or a_bits (false)
};

// Steps in execution order: for every decision its weights (when it has any), then its
// output activation; the logits stay 8-bit (not a step). With weights_only (the seed
// paper's experiment 1) only the weight steps: every activation stays 8-bit. Precomputes
// the per-step static state features and the exact weight bytes of every weighted decision
// at 2, 4 and 8 bits.
struct SearchSpace {
  QuantGraph graph;
  bool weights_only = false;
  std::vector<SearchStep> steps;
  std::vector<std::vector<float>> static_features;  // per step, each in [0, 1]
  std::vector<uint32_t> weight_bytes[3];             // per decision, at 2 / 4 / 8 bits (0 for adds)
  std::vector<uint32_t> activation_bytes8;           // per decision: output tensor at 8 bits
  uint32_t flash_without_weights = 0;                // everything in the blob but packed weights

  explicit SearchSpace(const QuantGraph& graph, bool weights_only = false);
  // FLASH of a policy: exact (blob layout), from the precomputed tables.
  uint32_t flash_bytes(const Policy& policy) const;
};

constexpr int kStateFeatures = 15;
// Without activation steps the weight/activation flag, the activation's size and the RAM
// feature would be constants: they are left out.
constexpr int kWeightOnlyStateFeatures = 12;
int state_size(const SearchSpace& space);  // kStateFeatures or kWeightOnlyStateFeatures

// A policy's FLASH as its budget counts it (with a board: the blob and libmpq_fw's code).
using FlashOf = std::function<uint64_t(const Policy&)>;

// The full state (state_size features) of step t given the actions taken so far in this episode (bits of the
// steps before t in `policy`, previous action), the budgets in bytes. The FLASH feature
// measures policies with `flash_of`; when it is empty, with space.flash_bytes (the blob).
std::vector<float> state_features(const SearchSpace& space, size_t step, const Policy& policy, float previous_action,
                                  uint64_t flash_budget, uint64_t ram_budget, const FlashOf& flash_of = {});

// Continuous action in [0, 1] -> bits by equal thirds: [0, 1/3) 2, [1/3, 2/3) 4, else 8.
int bits_from_action(float action);
// The centre of a bit width's third (for reporting and for policies turned into actions).
float action_from_bits(int bits);

}  // namespace mpq
