#pragma once

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
enum class StatisticsCorrection : int { none, mean, mean_std };
StatisticsCorrection parse_statistics_correction(const std::string& name);  // none, mean, std
void correct_channel_statistics(Model& fake_quant, Model& folded, const std::vector<Tensor>& batches, bool match_std);

}  // namespace mpq
