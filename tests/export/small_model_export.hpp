// A small hand-built model (tests/mcu/mcu_fixtures.hpp) exported at a policy, and its
// agreement with the fake-quant model: each op of the blob, run through the runtime's
// dispatch (reference and fast kernels) on the fake-quant model's input codes, against the
// fake-quant model's output codes; then the integer model's logits against the fake-quant
// logits' codes. Shared by the pooling and the window export tests.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "libmpq/export/integer_model.hpp"
#include "tests/export/default_model.hpp"
#include "tests/export/op_agreement.hpp"

namespace mpq::test {

struct SmallModelExport {
  explicit SmallModelExport(Model model) : float_model(std::move(model)) {}

  Model float_model;
  ModelSpec spec = float_model.spec();
  std::vector<uint8_t> pixels = synthetic_pixels(spec, 16, 77);
  Tensor batch = normalized_batch(spec, pixels);
  Model folded = make_folded();
  QuantGraph graph = build_quant_graph(folded);

  Model make_folded() {
    float_model.reset_parameters(5);
    for (int pass = 0; pass < 20; ++pass) float_model.forward(batch, /*training=*/true);
    return fold_batch_norm(float_model);
  }
  Model fake_quant(const Policy& policy) {
    FakeQuantOptions options;
    options.input_lo = (0.f - kMean) / kStd;
    options.input_hi = (1.f - kMean) / kStd;
    Model fq = build_fake_quant_model(folded, graph, policy, options);
    calibrate_quantizers(fq, {batch});
    return fq;
  }
  std::vector<uint8_t> export_blob(Model& fq, const Policy& policy) {
    const size_t channels = static_cast<size_t>(spec.in_channels);
    const InputNormalization norm{std::vector<float>(channels, kMean), std::vector<float>(channels, kStd)};
    return convert_to_blob(fq, graph, policy, norm);
  }
};

struct ExportAgreement {
  int64_t pool_values = 0, pool_mismatches = 0, other_values = 0, other_mismatches = 0;
  int64_t logits = 0, logit_mismatches = 0;
  int64_t ties = 0;  // codes one apart where the fake-quant value sits on a rounding tie
};

inline ExportAgreement export_agreement(SmallModelExport& m, const Policy& policy) {
  Model fq = m.fake_quant(policy);
  const IntegerModel im(m.export_blob(fq, policy), m.spec.arch + " blob");
  fq.forward(m.batch, false);
  ExportAgreement a;
  for (const bool reference : {true, false})
    for_each_op_output(fq, m.graph, im, reference, [&](const OpOutput& o) {
      const QOp& op = m.graph.ops[o.op];
      const bool pool = op.keeps_input_grid();
      for (size_t k = 0; k < o.got.size(); ++k) {
        if (o.got[k] == o.want[k]) continue;
        if (!pool && std::abs(o.got[k] - o.want[k]) == 1 && on_tie(fq, op.name, o.image, k)) ++a.ties;
        else ++(pool ? a.pool_mismatches : a.other_mismatches);
      }
      (pool ? a.pool_values : a.other_values) += static_cast<int64_t>(o.got.size());
    });
  // The whole integer model on the raw pixels against the fake-quant logits' codes (ties:
  // unclipped 8-bit ranges, issue 13, put the fixture's discrete w2a2 logits on exact
  // halves of their grid).
  const LogitAgreement l = logit_agreement(fq, m.graph, im, m.pixels);
  a.logits = l.logits;
  a.logit_mismatches = l.mismatches;
  return a;
}

// Uniform w/a in {8,4,2}^2 and a mixed policy cycling 8, 2, 4 over the decisions.
inline std::vector<Policy> export_test_policies(const QuantGraph& graph) {
  std::vector<Policy> policies;
  for (int w : {8, 4, 2})
    for (int a : {8, 4, 2}) policies.push_back(uniform_policy(graph, w, a));
  Policy mixed = uniform_policy(graph, 8, 8);
  const int cycle[] = {8, 2, 4};
  for (size_t d = 0; d < mixed.layers.size(); ++d) {
    mixed.layers[d].w_bits = cycle[d % 3];
    mixed.layers[d].a_bits = cycle[(d + 1) % 3];
  }
  policies.push_back(mixed);
  return policies;
}

}  // namespace mpq::test
