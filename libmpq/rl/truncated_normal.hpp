#pragma once

#include "libmpq/core/rng.hpp"

namespace mpq {

// A draw from Normal(mean, sigma) truncated to [low, high] by resampling: draw until one
// falls inside, which gives exactly the truncated distribution (HAQ uses scipy's
// truncnorm). Resampling, not clipping, so that no probability mass piles up on the bounds.
// For the agent (mean in [0, 1], sigma <= 0.5) a draw is accepted with probability >= 0.47,
// so the cap of 64 draws (then the last one is clipped) is practically never reached; it
// only bounds the time for a mean far outside or a huge sigma. sigma == 0 gives mean
// clipped. Requires low < high, sigma >= 0. Deterministic in the rng state.
float sample_truncated_normal(Rng& rng, float mean, float sigma, float low, float high);

}  // namespace mpq
