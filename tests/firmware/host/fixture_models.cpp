#include "tests/firmware/host/fixture_models.hpp"

#include <algorithm>

#include "libmpq/export/convert_to_blob.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/mcu/memory_model.hpp"
#include "libmpq/mcu/patch_plan.hpp"
#include "libmpq/mcu/plan_model_arena.hpp"
#include "libmpq/nn/batch_norm.hpp"
#include "libmpq/nn/conv2d.hpp"
#include "libmpq/nn/global_avg_pool.hpp"
#include "libmpq/nn/linear.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/nn/pool2d.hpp"
#include "libmpq/nn/relu.hpp"
#include "libmpq/quant/fake_quant_model.hpp"
#include "libmpq/quant/fold_batch_norm.hpp"
#include "libmpq/quant/op_records.hpp"

namespace mpq::firmware {

namespace {
// Training-mode passes that move BatchNorm's running statistics (momentum 0.1) to within
// 0.9^40 = 1.5% of the calibration batch's: with the initial identity statistics the
// random network's activations drift in scale until every layer saturates.
constexpr int kBatchNormPasses = 40;
}  // namespace

std::vector<NamedPolicy> fixture_policies(const QuantGraph& graph) {
  std::vector<NamedPolicy> out;
  for (int bits : {8, 4, 2})
    out.push_back({"w" + std::to_string(bits) + "a" + std::to_string(bits), uniform_policy(graph, bits, bits)});
  Policy mixed = uniform_policy(graph, 8, 8);
  static const int kWeightBits[] = {8, 4, 2};
  static const int kActivationBits[] = {4, 8, 2, 4, 2};
  for (size_t i = 0; i < mixed.layers.size(); ++i) {
    LayerBits& layer = mixed.layers[i];
    if (layer.w_bits != 0) layer.w_bits = kWeightBits[i % 3];
    layer.a_bits = kActivationBits[i % 5];
  }
  mixed.layers.back().a_bits = 8;  // the logits, as uniform_policy and the search keep them
  out.push_back({"mixed", mixed});
  return out;
}

FixtureModel build_fixture_model(const ModelSpec& spec, const NamedPolicy& policy, const Tensor& calibration,
                                 const PixelNormalization& normalization, uint64_t seed, rt::PatchStage patch,
                                 InplaceDepthwise inplace, InplaceKinds kinds) {
  return build_fixture_model(build_model(spec, seed), policy, calibration, normalization, patch, inplace, kinds);
}

Model pooling_fixture_model(uint64_t seed) {
  ModelSpec spec;  // the default model's input and classes
  spec.arch = "pooling";
  Model m(spec);
  int x = m.add("c1", std::make_unique<Conv2d>(1, 8, 3, 2, 1), {Model::kInput});
  x = m.add("b1", std::make_unique<BatchNorm>(8), {x});
  x = m.add("r1", std::make_unique<ReLU>(), {x});
  x = m.add("mp1", std::make_unique<Pool2d>(Pool2d::Mode::Max, 3, 2, 1), {x});
  x = m.add("c2", std::make_unique<Conv2d>(8, 12, 3, 1, 1), {x});
  x = m.add("b2", std::make_unique<BatchNorm>(12), {x});
  x = m.add("ap1", std::make_unique<Pool2d>(Pool2d::Mode::Average, 3, 1, 1, /*count_include_pad=*/false), {x});
  x = m.add("ap2", std::make_unique<Pool2d>(Pool2d::Mode::Average, 3, 2, 1, /*count_include_pad=*/true), {x});
  x = m.add("c3", std::make_unique<Conv2d>(12, 14, 1, 1, 0), {x});
  x = m.add("b3", std::make_unique<BatchNorm>(14), {x});
  x = m.add("r3", std::make_unique<ReLU>(), {x});
  x = m.add("mp2", std::make_unique<Pool2d>(Pool2d::Mode::Max, 2, 2, 0), {x});
  x = m.add("pool", std::make_unique<GlobalAvgPool>(), {x});
  m.add("fc", std::make_unique<Linear>(14, spec.classes), {x});
  m.reset_parameters(seed);
  return m;
}

Model window_fixture_model(uint64_t seed) {
  ModelSpec spec;  // the default model's input and classes
  spec.arch = "windows";
  Model m(spec);
  int x = m.add("c1", std::make_unique<Conv2d>(1, 8, Window2d{10, 4, 2, 2, 4, 1, 5, 1}, 1, false), {Model::kInput});
  x = m.add("b1", std::make_unique<BatchNorm>(8), {x});
  x = m.add("r1", std::make_unique<ReLU>(), {x});
  x = m.add("dw", std::make_unique<Conv2d>(8, 8, Window2d{3, 1, 1, 2, 1, 0, 1, 0}, 8, false), {x});
  x = m.add("b2", std::make_unique<BatchNorm>(8), {x});
  x = m.add("r2", std::make_unique<ReLU>(6.f), {x});
  x = m.add("mp1", std::make_unique<Pool2d>(Pool2d::Mode::Max, Window2d{2, 3, 2, 1, 0, 1, 1, 1}, true), {x});
  x = m.add("c2", std::make_unique<Conv2d>(8, 12, Window2d{1, 3, 1, 1, 0, 1, 0, 1}, 1, false), {x});
  x = m.add("b3", std::make_unique<BatchNorm>(12), {x});
  x = m.add("ap1", std::make_unique<Pool2d>(Pool2d::Mode::Average, Window2d{3, 2, 1, 2, 1, 0, 1, 1}, false), {x});
  x = m.add("ap2", std::make_unique<Pool2d>(Pool2d::Mode::Average, Window2d{2, 3, 2, 1, 0, 1, 1, 1}, true), {x});
  x = m.add("c3", std::make_unique<Conv2d>(12, 14, 1, 1, 0), {x});
  x = m.add("b4", std::make_unique<BatchNorm>(14), {x});
  x = m.add("r3", std::make_unique<ReLU>(), {x});
  x = m.add("pool", std::make_unique<GlobalAvgPool>(), {x});
  m.add("fc", std::make_unique<Linear>(14, spec.classes), {x});
  m.reset_parameters(seed);
  return m;
}

FixtureModel build_fixture_model(Model float_model, const NamedPolicy& policy, const Tensor& calibration,
                                 const PixelNormalization& normalization, rt::PatchStage patch,
                                 InplaceDepthwise inplace, InplaceKinds kinds) {
  for (int pass = 0; pass < kBatchNormPasses; ++pass) float_model.forward(calibration, /*training=*/true);
  Model folded = fold_batch_norm(float_model);

  FakeQuantOptions options;
  options.input_lo = 0.f;
  options.input_hi = 0.f;
  for (size_t c = 0; c < normalization.mean.size(); ++c) {
    options.input_lo = std::min(options.input_lo, (0.f - normalization.mean[c]) / normalization.std[c]);
    options.input_hi = std::max(options.input_hi, (1.f - normalization.mean[c]) / normalization.std[c]);
  }
  Model fake_quant = build_fake_quant_model(folded, policy.policy, options);
  calibrate_quantizers(fake_quant, {calibration});

  FixtureModel out;
  out.name = policy.name;
  out.policy = policy.policy;
  const QuantGraph graph = build_quant_graph(folded);
  out.blob = convert_to_blob(fake_quant, graph, policy.policy, InputNormalization{normalization.mean, normalization.std},
                             patch, inplace, kinds);
  out.macs = patched_macs(op_records(graph, policy.policy), patch);
  return out;
}

rt::PatchStage fixture_patch_stage(const QuantGraph& graph, const Policy& policy) {
  const rt::PatchStage chosen = choose_patch_stage(op_records(graph, policy), 0.2);
  return chosen.present() ? chosen : rt::PatchStage{0, 7, 4};
}

rt::PatchStage residual_patch_stage(const QuantGraph& graph, const Policy& policy) {
  const std::vector<rt::OpRecord> records = op_records(graph, policy);
  const std::vector<uint8_t> bytes = encoded_records(records);
  rt::PatchStage best;
  uint32_t best_ram = memory_report(records).ram_bytes;
  bool has_add = false;
  for (size_t n = 1; n <= records.size() && n <= rt::kMaxPatchOps; ++n) {
    has_add = has_add || records[n - 1].kind == blob::op_kind::add;
    for (int grid = 2; grid <= 4 && has_add; ++grid) {
      const rt::PatchStage stage{0, static_cast<uint8_t>(n), static_cast<uint8_t>(grid)};
      if (rt::check_patch_stage(bytes.data(), static_cast<uint16_t>(records.size()), stage, nullptr) != rt::Status::ok)
        continue;
      const uint32_t ram = memory_report(records, stage).ram_bytes;
      if (ram < best_ram) {
        best = stage;
        best_ram = ram;
      }
    }
  }
  require(best.present(), "residual fixture: no stage with a residual add saves RAM");
  return best;
}

}  // namespace mpq::firmware
