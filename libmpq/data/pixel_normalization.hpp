#pragma once

#include <vector>

namespace mpq {

// The per-channel affine map from a raw pixel p in [0, 255] to the network input:
// x = (p / 255 - mean[c]) / std[c]. Being affine in p, it lets the integer network take
// raw uint8 pixels with scale 1 / (255 std) and zero point round(255 mean).
struct PixelNormalization {
  std::vector<float> mean;
  std::vector<float> std;
};

// Statistics of the Fashion-MNIST training images (one channel).
inline PixelNormalization fashion_mnist_normalization() { return {{0.2860f}, {0.3530f}}; }

// The usual ImageNet RGB statistics.
inline PixelNormalization imagenet_normalization() {
  return {{0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}};
}

}  // namespace mpq
