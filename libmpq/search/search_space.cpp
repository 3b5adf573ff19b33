#include "libmpq/search/search_space.hpp"

#include <algorithm>

#include "libmpq/core/error.hpp"
#include "libmpq/mcu/blob_layout.hpp"
#include "libmpq/quant/op_records.hpp"
#include "libmpq/runtime/op_requirements.hpp"

namespace mpq {

namespace {
int bits_index(int bits) { return bits == 2 ? 0 : (bits == 4 ? 1 : 2); }
float ratio(double v, double max) { return max > 0 ? static_cast<float>(std::min(1.0, std::max(0.0, v / max))) : 0.f; }
}  // namespace

SearchSpace::SearchSpace(const QuantGraph& g, bool weights_only_) : graph(g), weights_only(weights_only_) {
  const Policy base = uniform_policy(graph, 8, 8);
  const size_t n = base.layers.size();
  for (int k = 0; k < 3; ++k) weight_bytes[k].assign(n, 0);
  activation_bytes8.assign(n, 0);
  const int bits[3] = {2, 4, 8};
  uint32_t weights8 = 0;
  for (int k = 0; k < 3; ++k) {
    const BlobLayout layout = blob_layout(op_records(graph, op_bits(graph, uniform_policy(graph, bits[k], 8))));
    for (size_t d = 0; d < n; ++d)
      weight_bytes[k][d] = layout.ops[static_cast<size_t>(graph.decision_ops[d])].weights_padded_bytes;
    if (k == 2) {
      for (size_t d = 0; d < n; ++d) weights8 += weight_bytes[2][d];
      flash_without_weights = layout.total_bytes - weights8;
    }
  }
  for (size_t d = 0; d < n; ++d) {
    const QOp& op = graph.ops[static_cast<size_t>(graph.decision_ops[d])];
    activation_bytes8[d] = static_cast<uint32_t>(
        rt::activation_buffer_bytes(static_cast<int32_t>(op.out_h), static_cast<int32_t>(op.out_w), static_cast<int32_t>(op.out_c), 8));
  }

  // Steps, and the static features normalized by their maximum over the model.
  const int last_decision = static_cast<int>(n) - 1;
  for (int d = 0; d < static_cast<int>(n); ++d) {
    const QOp& op = graph.ops[static_cast<size_t>(graph.decision_ops[static_cast<size_t>(d)])];
    if (op.has_weights()) steps.push_back({d, true});
    if (d != last_decision && !weights_only) steps.push_back({d, false});
  }
  // A window's kernel and stride features are its larger axis's (a square window's own).
  auto kernel_of = [](const QOp& op) { return static_cast<double>(std::max(op.window.kh, op.window.kw)); };
  auto stride_of = [](const QOp& op) { return static_cast<double>(std::max(op.window.sh, op.window.sw)); };
  double max_cin = 1, max_cout = 1, max_k = 1, max_s = 1, max_hw = 1, max_params = 1, max_act = 1;
  for (const QOp& op : graph.ops) {
    max_cin = std::max<double>(max_cin, static_cast<double>(op.in_c));
    max_cout = std::max<double>(max_cout, static_cast<double>(op.out_c));
    max_k = std::max(max_k, kernel_of(op));
    max_s = std::max(max_s, stride_of(op));
    max_hw = std::max<double>(max_hw, static_cast<double>(op.in_h * op.in_w));
    max_params = std::max<double>(max_params, static_cast<double>(op.weight_count()));
  }
  for (uint32_t a : activation_bytes8) max_act = std::max<double>(max_act, a);
  for (size_t t = 0; t < steps.size(); ++t) {
    const SearchStep& s = steps[t];
    const QOp& op = graph.ops[static_cast<size_t>(graph.decision_ops[static_cast<size_t>(s.decision)])];
    float kind = 0.f;
    switch (op.kind) {
      case QOpKind::conv: kind = 0.f; break;
      case QOpKind::depthwise: kind = 1.f / 3; break;
      case QOpKind::fc: kind = 2.f / 3; break;
      default: kind = 1.f; break;
    }
    std::vector<float> f{ratio(static_cast<double>(t), static_cast<double>(steps.size() - 1)),
                         ratio(s.decision, static_cast<double>(n - 1)), kind,
                         ratio(static_cast<double>(op.in_c), max_cin), ratio(static_cast<double>(op.out_c), max_cout),
                         ratio(kernel_of(op), max_k), ratio(stride_of(op), max_s),
                         ratio(static_cast<double>(op.in_h * op.in_w), max_hw),
                         ratio(static_cast<double>(op.weight_count()), max_params)};
    if (!weights_only) f.push_back(s.weights ? 1.f : 0.f);
    // this tensor's share of the model's 8-bit FLASH / of the largest activation
    f.push_back(s.weights ? ratio(weight_bytes[2][static_cast<size_t>(s.decision)], weights8) : 0.f);
    if (!weights_only)
      f.push_back(s.weights ? 0.f : ratio(activation_bytes8[static_cast<size_t>(s.decision)], max_act));
    static_features.push_back(std::move(f));
  }
}

uint32_t SearchSpace::flash_bytes(const Policy& policy) const {
  uint32_t total = flash_without_weights;
  for (size_t d = 0; d < policy.layers.size(); ++d)
    if (policy.layers[d].w_bits) total += weight_bytes[bits_index(policy.layers[d].w_bits)][d];
  return total;
}

std::vector<float> state_features(const SearchSpace& space, size_t step, const Policy& policy, float previous_action,
                                  uint64_t flash_budget, uint64_t ram_budget, const FlashOf& flash_of) {
  std::vector<float> f = space.static_features[step];
  f.push_back(previous_action);
  // FLASH left if every weight tensor from this step on took the fewest bits.
  Policy lowest = policy;
  for (size_t t = step; t < space.steps.size(); ++t)
    if (space.steps[t].weights) lowest.layers[static_cast<size_t>(space.steps[t].decision)].w_bits = 2;
  const double flash_min =
      flash_of ? static_cast<double>(flash_of(lowest)) : static_cast<double>(space.flash_bytes(lowest));
  f.push_back(ratio(static_cast<double>(flash_budget) - flash_min, static_cast<double>(flash_budget)));
  // This activation's 8-bit size against the RAM budget (0 for weight steps).
  const SearchStep& s = space.steps[step];
  if (!space.weights_only)
    f.push_back(s.weights ? 0.f
                          : ratio(space.activation_bytes8[static_cast<size_t>(s.decision)],
                                  static_cast<double>(ram_budget)));
  static_assert(kStateFeatures == 15 && kWeightOnlyStateFeatures == 12, "state_features writes 15 or 12 features");
  return f;
}

int state_size(const SearchSpace& space) { return space.weights_only ? kWeightOnlyStateFeatures : kStateFeatures; }

int bits_from_action(float action) { return action < 1.f / 3 ? 2 : (action < 2.f / 3 ? 4 : 8); }

float action_from_bits(int bits) { return bits == 2 ? 1.f / 6 : (bits == 4 ? 0.5f : 5.f / 6); }

}  // namespace mpq
