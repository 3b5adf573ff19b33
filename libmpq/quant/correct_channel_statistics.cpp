#include "libmpq/quant/correct_channel_statistics.hpp"

#include <algorithm>
#include <cmath>

#include "libmpq/core/error.hpp"
#include "libmpq/quant/weight_quantizer.hpp"

namespace mpq {

namespace {

struct ChannelMoments {
  std::vector<double> sum, sum_sq;
  int64_t count = 0;

  void add(const Tensor& t) {
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
  double mean(size_t k) const { return sum[k] / static_cast<double>(count); }
  double std_dev(size_t k) const {
    return std::sqrt(std::max(0.0, sum_sq[k] / static_cast<double>(count) - mean(k) * mean(k)));
  }
};

ChannelMoments moments_of(Model& model, int node, const std::vector<Tensor>& batches) {
  ChannelMoments m;
  for (const Tensor& b : batches) {
    model.forward(b, false);
    m.add(model.output_of(static_cast<size_t>(node)));
  }
  return m;
}

}  // namespace

StatisticsCorrection parse_statistics_correction(const std::string& name) {
  if (name == "none") return StatisticsCorrection::none;
  if (name == "mean") return StatisticsCorrection::mean;
  if (name == "std") return StatisticsCorrection::mean_std;
  throw Error("statistics correction: '" + name + "' is not one of none, mean, std");
}

void correct_channel_statistics(Model& fake_quant, Model& folded, const std::vector<Tensor>& batches, bool match_std) {
  // The float model's moments of every weighted op's output, in one pass per batch.
  std::vector<int> float_node(fake_quant.size(), -1);
  for (size_t i = 0; i < fake_quant.size(); ++i) {
    if (!dynamic_cast<WeightQuantized*>(fake_quant.node(i).layer.get())) continue;
    float_node[i] = folded.find(fake_quant.node(i).name);
    require(float_node[i] >= 0, "statistics correction: the float model has no node '" + fake_quant.node(i).name + "'");
  }
  std::vector<ChannelMoments> float_moments(fake_quant.size());
  for (const Tensor& batch : batches) {
    folded.forward(batch, false);
    for (size_t i = 0; i < fake_quant.size(); ++i)
      if (float_node[i] >= 0) float_moments[i].add(folded.output_of(static_cast<size_t>(float_node[i])));
  }
  for (size_t i = 0; i < fake_quant.size(); ++i) {
    auto* wq = dynamic_cast<WeightQuantized*>(fake_quant.node(i).layer.get());
    if (!wq) continue;
    const ChannelMoments& f = float_moments[i];
    const ChannelMoments q = moments_of(fake_quant, static_cast<int>(i), batches);
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
  folded.release_buffers();
}

}  // namespace mpq
