#include "libmpq/quant/correct_channel_statistics.hpp"

#include <algorithm>
#include <cmath>

#include "libmpq/core/error.hpp"
#include "libmpq/quant/weight_quantizer.hpp"

namespace mpq {

void ChannelMoments::add(const Tensor& t) {
  const int64_t c = t.dim(-1), rows = t.size() / c;
  if (sum.empty()) {
    sum.assign(static_cast<size_t>(c), 0.0);
    sum_sq.assign(static_cast<size_t>(c), 0.0);
  }
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t k = 0; k < c; ++k) {
      const double v = t[r * c + k];
      sum[static_cast<size_t>(k)] += v;
      sum_sq[static_cast<size_t>(k)] += v * v;
    }
  count += rows;
}

double ChannelMoments::mean(size_t k) const { return sum[k] / static_cast<double>(count); }

double ChannelMoments::std_dev(size_t k) const {
  return std::sqrt(std::max(0.0, sum_sq[k] / static_cast<double>(count) - mean(k) * mean(k)));
}

StatisticsCorrection parse_statistics_correction(const std::string& name) {
  if (name == "none") return StatisticsCorrection::none;
  if (name == "mean") return StatisticsCorrection::mean;
  if (name == "std") return StatisticsCorrection::mean_std;
  throw Error("statistics correction: '" + name + "' is not one of none, mean, std");
}

std::map<std::string, ChannelMoments> float_channel_moments(Model& folded, const Model& fake_quant,
                                                            const std::vector<Tensor>& batches) {
  std::vector<std::pair<std::string, int>> nodes;  // (name, index in folded)
  for (size_t i = 0; i < fake_quant.size(); ++i) {
    if (!dynamic_cast<const WeightQuantized*>(fake_quant.node(i).layer.get())) continue;
    const std::string& name = fake_quant.node(i).name;
    nodes.emplace_back(name, folded.find(name));
    require(nodes.back().second >= 0, "statistics correction: the float model has no node '" + name + "'");
  }
  std::map<std::string, ChannelMoments> moments;
  for (const Tensor& batch : batches) {
    folded.forward(batch, false);
    for (const auto& [name, node] : nodes) moments[name].add(folded.output_of(static_cast<size_t>(node)));
  }
  folded.release_buffers();
  return moments;
}

void correct_channel_statistics(Model& fake_quant, Model& folded, const std::vector<Tensor>& batches, bool match_std) {
  correct_channel_statistics(fake_quant, float_channel_moments(folded, fake_quant, batches), batches, match_std);
}

void correct_channel_statistics(Model& fake_quant, const std::map<std::string, ChannelMoments>& float_moments,
                                const std::vector<Tensor>& batches, bool match_std) {
  // Correcting op i changes nothing before it, so each batch keeps the outputs that nodes
  // from i on read (i's input, a residual branch's) and the next op is measured by running
  // only the nodes in between: every node once per batch in all, instead of the whole model
  // once per op. The same float operations on the same values as whole forwards.
  const std::vector<int> last_reader = fake_quant.last_readers();
  std::vector<std::vector<Tensor>> kept(batches.size(), std::vector<Tensor>(fake_quant.size()));
  size_t start = 0;
  for (size_t i = 0; i < fake_quant.size(); ++i) {
    auto* wq = dynamic_cast<WeightQuantized*>(fake_quant.node(i).layer.get());
    if (!wq) continue;
    const auto found = float_moments.find(fake_quant.node(i).name);
    require(found != float_moments.end(),
            "statistics correction: no float moments of node '" + fake_quant.node(i).name + "'");
    const ChannelMoments& f = found->second;
    ChannelMoments q;
    for (size_t b = 0; b < batches.size(); ++b) {
      std::vector<Tensor>& outputs = kept[b];
      fake_quant.forward_nodes(start, i, batches[b], outputs);
      q.add(outputs[i]);
      for (size_t k = 0; k <= i; ++k)
        if (k == i || last_reader[k] < static_cast<int>(i)) outputs[k] = Tensor();
    }
    start = i;
    Tensor& w = wq->master_weight().value;
    Tensor& b = wq->master_bias().value;
    const int64_t channels = w.dim(0), per = w.size() / channels;
    require(static_cast<int64_t>(f.sum.size()) == channels && b.size() == channels,
            "statistics correction: '" + fake_quant.node(i).name + "' has outputs unlike its weights");
    for (int64_t c = 0; c < channels; ++c) {
      const auto k = static_cast<size_t>(c);
      double a = 1.0;
      if (match_std && q.std_dev(k) > 1e-8 && f.std_dev(k) > 1e-8)
        a = std::min(std::max(f.std_dev(k) / q.std_dev(k), 0.25), 4.0);
      for (int64_t j = 0; j < per; ++j) w[c * per + j] = static_cast<float>(w[c * per + j] * a);
      b[c] = static_cast<float>(a * b[c] + f.mean(k) - a * q.mean(k));
      if (wq->learned_step() && !wq->per_tensor()) wq->step().value[c] = static_cast<float>(wq->step().value[c] * a);
    }
    wq->refresh();
  }
  fake_quant.release_buffers();
}

}  // namespace mpq
