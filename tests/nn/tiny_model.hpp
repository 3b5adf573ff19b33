// Shared test helper: a tiny conv net and a synthetic, learnable classification batch.
#pragma once

#include <memory>

#include "libmpq/core/rng.hpp"
#include "libmpq/nn/add.hpp"
#include "libmpq/nn/batch_norm.hpp"
#include "libmpq/nn/conv2d.hpp"
#include "libmpq/nn/global_avg_pool.hpp"
#include "libmpq/nn/linear.hpp"
#include "libmpq/nn/model.hpp"
#include "libmpq/nn/relu.hpp"

namespace mpq::test {

// A square `size` x `size` input of `channels`, `classes` outputs: the hand-built test
// models' spec.
inline ModelSpec small_spec(const char* arch, int64_t channels, int64_t size, int64_t classes) {
  ModelSpec spec;
  spec.arch = arch;
  spec.in_channels = channels;
  spec.in_height = spec.in_width = size;
  spec.classes = classes;
  return spec;
}

// A builder's ImageNet configuration: width 1.0, 3x224x224, 1000 classes.
inline ModelSpec imagenet_spec(const char* arch) {
  ModelSpec spec = small_spec(arch, 3, 224, 1000);
  spec.width = 1.0f;
  spec.small_input = false;
  return spec;
}

// conv3x3(1->8) BN ReLU, depthwise 3x3 BN ReLU6, 1x1 (8->8) BN, residual add, pool, linear.
inline Model tiny_model(int64_t size = 8, int64_t classes = 3, uint64_t seed = 1) {
  Model m(small_spec("tiny", 1, size, classes));
  int x = m.add("c1", std::make_unique<Conv2d>(1, 8, 3, 1, 1), {Model::kInput});
  x = m.add("b1", std::make_unique<BatchNorm>(8), {x});
  int r = m.add("r1", std::make_unique<ReLU>(), {x});
  x = m.add("dw", std::make_unique<Conv2d>(8, 8, 3, 1, 1, 8), {r});
  x = m.add("b2", std::make_unique<BatchNorm>(8), {x});
  x = m.add("r2", std::make_unique<ReLU>(6.f), {x});
  x = m.add("pw", std::make_unique<Conv2d>(8, 8, 1, 1, 0), {x});
  x = m.add("b3", std::make_unique<BatchNorm>(8), {x});
  x = m.add("add", std::make_unique<Add>(), {r, x});
  x = m.add("pool", std::make_unique<GlobalAvgPool>(), {x});
  m.add("fc", std::make_unique<Linear>(8, classes), {x});
  m.reset_parameters(seed);
  return m;
}

// Class k images have a bright blob in region k: trivially learnable.
inline void synthetic_batch(Rng& rng, int64_t n, int64_t size, int64_t classes, Tensor& images,
                            std::vector<int32_t>& labels) {
  images = Tensor({n, size, size, 1});
  labels.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const int32_t k = static_cast<int32_t>(rng.below(static_cast<uint64_t>(classes)));
    labels[static_cast<size_t>(i)] = k;
    for (int64_t y = 0; y < size; ++y)
      for (int64_t x = 0; x < size; ++x) {
        const bool on = (x * classes / size) == k;
        images[(i * size + y) * size + x] = (on ? 1.5f : -0.5f) + 0.3f * rng.normal();
      }
  }
}

}  // namespace mpq::test
