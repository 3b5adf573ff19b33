#pragma once
// The default model (MobileNetV1 0.25, 1x32x32, 10 classes) with seeded weights and
// BatchNorm statistics of a seeded synthetic batch, fake-quantized and calibrated for a
// policy and exported: the export tests' shared setup.

#include <cstdint>
#include <vector>

#include "libmpq/core/rng.hpp"
#include "libmpq/export/convert_to_blob.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/quant/correct_channel_statistics.hpp"
#include "libmpq/quant/fake_quant_model.hpp"
#include "libmpq/quant/fold_batch_norm.hpp"

namespace mpq::test {

// Fashion-MNIST's pixel statistics, the default model's normalization.
constexpr float kMean = 0.2860f, kStd = 0.3530f;

// n images of seeded random raw pixels (HWC, one channel).
inline std::vector<uint8_t> synthetic_pixels(const ModelSpec& spec, int64_t n, uint64_t seed) {
  Rng rng(seed);
  std::vector<uint8_t> p(static_cast<size_t>(n * spec.in_height * spec.in_width * spec.in_channels));
  for (uint8_t& v : p) v = static_cast<uint8_t>(rng.below(256));
  return p;
}

// Those pixels normalized as the default model's input.
inline Tensor normalized_batch(const ModelSpec& spec, const std::vector<uint8_t>& pixels) {
  const int64_t n = static_cast<int64_t>(pixels.size()) / (spec.in_height * spec.in_width * spec.in_channels);
  Tensor x({n, spec.in_height, spec.in_width, spec.in_channels});
  for (int64_t i = 0; i < x.size(); ++i) x[i] = (static_cast<float>(pixels[static_cast<size_t>(i)]) / 255.f - kMean) / kStd;
  return x;
}

struct DefaultModel {
  ModelSpec spec;
  std::vector<uint8_t> pixels;  // eight images, seed 2024: the BatchNorm statistics and the calibration
  Tensor batch;                 // those images normalized
  Model folded;
  QuantGraph graph;
  DefaultModel()
      : pixels(synthetic_pixels(spec, 8, 2024)),
        batch(normalized_batch(spec, pixels)),
        folded(make_folded(spec, batch)),
        graph(build_quant_graph(folded)) {}

  static Model make_folded(const ModelSpec& spec, const Tensor& batch) {
    Model m = build_model(spec, 7);
    // Training-mode passes move BatchNorm's running statistics off the identity.
    for (int pass = 0; pass < 20; ++pass) m.forward(batch, /*training=*/true);
    return fold_batch_norm(m);
  }

  // The fake-quant model of `policy`, calibrated on the batch; fine_bias, quantizer:
  // FakeQuantOptions'. correct_means: bias correction on the batch and a second calibration,
  // as a fine-tune's recipe does (prepare_fake_quant_model).
  Model fake_quant(const Policy& policy, bool fine_bias = false, QuantizerKind quantizer = QuantizerKind::pact,
                   bool correct_means = false) {
    FakeQuantOptions options;
    options.fine_bias = fine_bias;
    options.quantizer = quantizer;
    options.input_lo = (0.f - kMean) / kStd;
    options.input_hi = (1.f - kMean) / kStd;
    Model fq = build_fake_quant_model(folded, policy, options);
    calibrate_quantizers(fq, {batch});
    if (correct_means) {
      correct_channel_statistics(fq, folded, {batch}, /*match_std=*/false);
      calibrate_quantizers(fq, {batch});
    }
    return fq;
  }

  std::vector<uint8_t> export_blob(Model& fq, const Policy& policy, rt::PatchStage patch = {}) {
    return convert_to_blob(fq, graph, policy, InputNormalization{{kMean}, {kStd}}, patch);
  }
  std::vector<uint8_t> export_blob(const Policy& policy, bool fine_bias = false) {
    Model fq = fake_quant(policy, fine_bias);
    return export_blob(fq, policy);
  }
};

}  // namespace mpq::test
