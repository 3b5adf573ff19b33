#pragma once

#include <map>
#include <string>
#include <vector>

#include "libmpq/nn/model.hpp"

namespace mpq {

// BN re-estimation for a folded, quantized model (bias correction in the manner of Nagel
// et al. 2019, extended to the scale): quantizing every layer shifts and shrinks each
// output channel's distribution, and the errors compound through a deep stack (at 2 bits
// the features of MobileNetV1 decorrelate from the float ones within four layers). Layer by
// layer, in order, each weighted op's per-channel output mean (and with match_std its
// standard deviation) over `batches` is measured in the fake-quant model, with every
// earlier correction in place, and set to the folded float model's: w *= a, b = a * b +
// mean_f - a * mean_q with a = std_f / std_q (1 without match_std; limited to [1/4, 4]).
// Learned weight steps scale with their weights. Activation grids should be calibrated
// again afterwards. `folded` is the BN-folded float model `fake_quant` was built from.
// Cost: each batch keeps the activations that cross the last corrected op
// (Model::forward_nodes), so every node runs about once per batch, not once per op.
enum class StatisticsCorrection : int { none, mean, mean_std };
StatisticsCorrection parse_statistics_correction(const std::string& name);  // none, mean, std
void correct_channel_statistics(Model& fake_quant, Model& folded, const std::vector<Tensor>& batches, bool match_std);

// Per-channel sums of one node's output ([..., C]) over batches.
struct ChannelMoments {
  std::vector<double> sum, sum_sq;
  int64_t count = 0;
  void add(const Tensor& t);
  double mean(size_t k) const;
  double std_dev(size_t k) const;
};
// The float model's moments at every node named like a weighted op of `fake_quant`, in
// one pass over `batches`. They do not depend on the policy, so a search measures them
// once (FakeQuantBase) and corrects each candidate with the overload below: the same
// result as the one above.
std::map<std::string, ChannelMoments> float_channel_moments(Model& folded, const Model& fake_quant,
                                                            const std::vector<Tensor>& batches);
void correct_channel_statistics(Model& fake_quant, const std::map<std::string, ChannelMoments>& float_moments,
                                const std::vector<Tensor>& batches, bool match_std);

}  // namespace mpq
