#pragma once

#include <string>
#include <vector>

#include "libmpq/nn/model.hpp"
#include "libmpq/quant/activation_quantizer.hpp"
#include "libmpq/quant/policy.hpp"
#include "libmpq/quant/weight_quantizer.hpp"

namespace mpq {

// The fake-quantized model of a policy, built from a BN-folded float model
// (fold_batch_norm). Node names, which export relies on:
//   "input.q"          frozen asymmetric 8-bit quantizer of the network input
//   "<op>"             the op's layer (conv and linear wrapped in WeightQuantized, or in
//                      KmeansWeightQuantized with kmeans_weights)
//   "<op>.q"           the quantizer of the op's output: PACT where the float model had
//                      ReLU/ReLU6 (the ReLU node is dropped), asymmetric elsewhere,
//                      and the grid of its input for the pooling ops (global average:
//                      GridGlobalAveragePool, max, and average: GridAveragePool; both
//                      round as their integer kernels)
// where <op> is each QuantGraph op's name. Parameters and buffers keep the float
// model's names ("<op>.weight", "<op>.bias"), plus "<op>.q.alpha" and "<op>.q.range".
// input_lo / input_hi: the range of the normalized network input (what raw pixels 0 and
// 255 become), which fixes the input grid.
// quantizer: pact = weight scales searched at every forward, PACT after ReLU, EMA-tracked
// asymmetric ranges elsewhere; lsq = learned step sizes everywhere (LSQ; weights
// "<op>.step", activations "<op>.q.step" and, where the tensor can be negative, the LSQ+
// offset "<op>.q.offset"); lsq_pact = LSQ's learned weight steps with PACT's activations
// (one quantizer per tensor kind). The network input stays frozen either way.
enum class QuantizerKind : int { pact, lsq, lsq_pact };
const char* quantizer_kind_name(QuantizerKind kind);
QuantizerKind parse_quantizer_kind(const std::string& name);  // throws Error naming the choices

struct FakeQuantOptions {
  bool per_tensor_weights = false;
  float input_lo = -1.f, input_hi = 1.f;
  QuantizerKind quantizer = QuantizerKind::pact;
  // Sub-byte layers' biases on the accumulator's finer grid s_in * s_w / 2^(8 - bits)
  // instead of s_in * s_w (bias_step in weight_quantizer.hpp: why coarse is the default).
  bool fine_bias = false;
  // Weights by per-layer k-means (KmeansWeightQuantized: a codebook of 2^w_bits float
  // centroids) instead of the uniform grid; activations as `quantizer` says. Fake-quant
  // only: not integer-deployable.
  bool kmeans_weights = false;
  // How learned weight steps start and how calibration sets 2-bit activation grids (the
  // starting point only: a checkpoint keeps the trained values, so eval and export need
  // neither).
  WeightStepInit weight_step_init = WeightStepInit::lsq;
  ActivationInit activation_init = ActivationInit::mse;
};
Model build_fake_quant_model(Model& folded, const Policy& policy, const FakeQuantOptions& options);
// The same with the quantization graph of `folded` already built (build_quant_graph), so
// that a caller who also needs the graph (export, eval) builds it once.
Model build_fake_quant_model(Model& folded, const QuantGraph& graph, const Policy& policy,
                             const FakeQuantOptions& options);

// Initializes every activation quantizer's grid from the float statistics of `batches`
// (each [N,H,W,C]): range quantizers take the observed min/max, PACT clips the observed
// maximum (capped). Runs in evaluation mode.
void calibrate_quantizers(Model& fake_quant, const std::vector<Tensor>& batches);

// Builds the fake-quant model of (spec, policy) from scratch with the structure of a
// checkpoint written by a fine-tune, ready for restore_model().
Model build_fake_quant_model_for(const ModelSpec& spec, const Policy& policy, const FakeQuantOptions& options);

// A fake-quant model with the quantization graph it was built from: what export needs to
// lay out and encode its blob without rebuilding the graph.
struct FakeQuantModel {
  Model model;
  QuantGraph graph;
};
FakeQuantModel build_fake_quant_model_and_graph_for(const ModelSpec& spec, const Policy& policy,
                                                    const FakeQuantOptions& options);

}  // namespace mpq
