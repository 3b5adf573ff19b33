#include "libmpq/rl/truncated_normal.hpp"

#include <algorithm>
#include <string>

#include "libmpq/core/error.hpp"

namespace mpq {

namespace {
constexpr int kMaxDraws = 64;
}  // namespace

float sample_truncated_normal(Rng& rng, float mean, float sigma, float low, float high) {
  require(low < high && sigma >= 0.f, "truncated normal: needs low < high and sigma >= 0, got [" +
                                          std::to_string(low) + ", " + std::to_string(high) + "] and sigma " +
                                          std::to_string(sigma));
  float x = mean;
  if (sigma > 0.f) {
    for (int i = 0; i < kMaxDraws; ++i) {
      x = mean + sigma * rng.normal();
      if (x >= low && x <= high) return x;
    }
  }
  return std::clamp(x, low, high);
}

}  // namespace mpq
