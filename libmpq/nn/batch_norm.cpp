#include "libmpq/nn/batch_norm.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "libmpq/core/error.hpp"
#include "libmpq/tensor/parallel.hpp"

namespace mpq {

namespace {

// NHWC with few channels (8 in the first MobileNet 0.25 layers) gives inner loops too
// short to vectorize. So the flat buffer is walked in tiles of `width` = channels * reps
// floats: every tile starts at channel 0, a per-channel vector repeated `reps` times lines
// up with each tile, and the inner loops run over `width` >= 64 floats.
constexpr int64_t kMinTileWidth = 64;
constexpr int64_t kChunkFloats = 16384;  // work per parallel_for chunk (64 kB)

struct Tiling {
  int64_t channels = 0, width = 0, total = 0, tiles = 0, tiles_per_chunk = 0, chunks = 0;
};

Tiling make_tiling(int64_t channels, int64_t total) {
  Tiling t;
  t.channels = channels;
  t.width = channels * std::max<int64_t>(1, kMinTileWidth / channels);
  t.total = total;
  t.tiles = (total + t.width - 1) / t.width;
  t.tiles_per_chunk = std::max<int64_t>(1, kChunkFloats / t.width);
  t.chunks = chunk_count(t.tiles, t.tiles_per_chunk);
  return t;
}

// Writes `per_channel` repeated over the tile width to `out`.
template <typename T>
void repeat_over_tile(const Tiling& t, const T* per_channel, float* out) {
  for (int64_t j = 0; j < t.width; ++j) out[j] = static_cast<float>(per_channel[j % t.channels]);
}

// Calls tile_fn(begin, length) for every tile, in parallel over chunks of tiles.
template <typename TileFn>
void for_each_tile(const Tiling& t, const TileFn& tile_fn) {
  parallel_for(t.tiles, t.tiles_per_chunk, [&](int64_t first, int64_t last) {
    for (int64_t i = first; i < last; ++i) {
      const int64_t begin = i * t.width;
      tile_fn(begin, std::min(t.width, t.total - begin));
    }
  });
}

// K per-channel sums. tile_fn(begin, length, acc) adds a tile into acc[k * width + j]
// (float lanes, one set per chunk); the lanes are then folded per channel in double, in
// chunk order, so the result does not depend on the thread count.
template <int K, typename TileFn>
void sum_per_channel(const Tiling& t, std::vector<float>& partials, std::vector<double>& sums,
                     const TileFn& tile_fn) {
  const int64_t lanes = K * t.width;
  partials.assign(static_cast<size_t>(t.chunks * lanes), 0.f);
  parallel_for(t.tiles, t.tiles_per_chunk, [&](int64_t first, int64_t last) {
    float* acc = partials.data() + (first / t.tiles_per_chunk) * lanes;
    for (int64_t i = first; i < last; ++i) {
      const int64_t begin = i * t.width;
      tile_fn(begin, std::min(t.width, t.total - begin), acc);
    }
  });
  sums.assign(static_cast<size_t>(K * t.channels), 0.0);
  for (int64_t chunk = 0; chunk < t.chunks; ++chunk) {
    const float* acc = partials.data() + chunk * lanes;
    for (int k = 0; k < K; ++k) {
      double* out = sums.data() + k * t.channels;
      for (int64_t j = 0; j < t.width; ++j) out[j % t.channels] += acc[k * t.width + j];
    }
  }
}

// Per-channel mean and sum of squared deviations (M2) of the flat [rows, C] buffer x.
// Each chunk (whole rows, 64 kB) is reduced in two passes while it is still in cache: the
// accuracy of the two-pass formula when |mean| >> std, at the memory traffic of one pass.
// Chunks are merged in chunk order (Chan et al.'s pairwise update, in double), so the
// result does not depend on the thread count. Returns mean[C] followed by M2[C], stored in
// `stats` after the per-chunk results.
// Chan et al.'s pairwise merge: folds a part's per-channel mean and M2 over `rows` rows into
// the running (mean, m2) over `rows_so_far` rows, which then counts both.
void merge_moments(double* mean, double* m2, double& rows_so_far, const double* part_mean, const double* part_m2,
                   double rows, int64_t C) {
  const double total = rows_so_far + rows;
  for (int64_t c = 0; c < C; ++c) {
    const double delta = part_mean[c] - mean[c];
    mean[c] += delta * rows / total;
    m2[c] += part_m2[c] + delta * delta * rows_so_far * rows / total;
  }
  rows_so_far = total;
}

const double* mean_and_m2(const Tiling& t, const float* x, std::vector<float>& scratch, std::vector<double>& stats) {
  const int64_t C = t.channels, w = t.width;
  scratch.resize(static_cast<size_t>(t.chunks * 2 * w));
  stats.resize(static_cast<size_t>((t.chunks + 1) * 2 * C));
  auto chunk_rows = [&](int64_t chunk) {
    const int64_t begin = chunk * t.tiles_per_chunk * w;
    return (std::min(t.total, begin + t.tiles_per_chunk * w) - begin) / C;
  };
  parallel_for(t.tiles, t.tiles_per_chunk, [&](int64_t first, int64_t last) {
    const int64_t chunk = first / t.tiles_per_chunk;
    float* __restrict lanes = scratch.data() + chunk * 2 * w;
    float* __restrict center = lanes + w;
    double* mean = stats.data() + chunk * 2 * C;
    double* m2 = mean + C;
    const int64_t begin = first * w, end = std::min(t.total, last * w);
    const double rows = static_cast<double>(chunk_rows(chunk));

    std::fill(lanes, lanes + w, 0.f);
    for (int64_t b = begin; b < end; b += w) {
      const float* __restrict xs = x + b;
      const int64_t n = std::min(w, end - b);
      for (int64_t j = 0; j < n; ++j) lanes[j] += xs[j];
    }
    std::fill(mean, mean + C, 0.0);
    for (int64_t j = 0; j < w; ++j) mean[j % C] += lanes[j];
    for (int64_t c = 0; c < C; ++c) mean[c] /= rows;

    repeat_over_tile(t, mean, center);
    std::fill(lanes, lanes + w, 0.f);
    for (int64_t b = begin; b < end; b += w) {
      const float* __restrict xs = x + b;
      const int64_t n = std::min(w, end - b);
      for (int64_t j = 0; j < n; ++j) {
        const float d = xs[j] - center[j];
        lanes[j] += d * d;
      }
    }
    std::fill(m2, m2 + C, 0.0);
    for (int64_t j = 0; j < w; ++j) m2[j % C] += lanes[j];
    for (int64_t c = 0; c < C; ++c) {
      const double shift = mean[c] - static_cast<double>(center[c]);  // center is mean rounded to float
      m2[c] = std::max(0.0, m2[c] - rows * shift * shift);
    }
  });

  double* mean = stats.data() + t.chunks * 2 * C;
  double* m2 = mean + C;
  std::fill(mean, mean + 2 * C, 0.0);
  double rows_so_far = 0;
  for (int64_t chunk = 0; chunk < t.chunks; ++chunk) {
    const double* chunk_mean = stats.data() + chunk * 2 * C;
    const double* chunk_m2 = chunk_mean + C;
    merge_moments(mean, m2, rows_so_far, chunk_mean, chunk_m2, static_cast<double>(chunk_rows(chunk)), C);
  }
  return mean;
}

}  // namespace

BatchNorm::BatchNorm(int64_t channels, float momentum, float eps)
    : gamma("gamma", {channels > 0 ? channels : 0}, false),
      beta("beta", {channels > 0 ? channels : 0}, false),
      channels_(channels),
      momentum_(momentum),
      eps_(eps) {
  require(channels > 0, "batchnorm: channel count must be positive, got " + std::to_string(channels));
  require(momentum >= 0.f && momentum <= 1.f, "batchnorm: momentum must be in [0, 1], got " + std::to_string(momentum));
  require(eps > 0.f, "batchnorm: eps must be positive, got " + std::to_string(eps));
  Rng unused;
  reset_parameters(unused);
}

std::string BatchNorm::describe() const {
  std::ostringstream s;
  s << channels_ << " ch, momentum " << momentum_ << ", eps " << eps_;
  return s.str();
}

Shape BatchNorm::output_shape(const std::vector<Shape>& inputs) const {
  const std::string name = "batchnorm(" + std::to_string(channels_) + ")";
  require(inputs.size() == 1, name + ": expected 1 input, got " + std::to_string(inputs.size()));
  const Shape& s = inputs[0];
  require((s.size() == 4 || s.size() == 2) && s.back() == channels_,
          name + ": expected input NxHxWx" + std::to_string(channels_) + " or Nx" + std::to_string(channels_) +
              ", got " + shape_to_string(s));
  return s;
}

std::vector<Parameter*> BatchNorm::parameters() { return {&gamma, &beta}; }

std::vector<std::pair<std::string, Tensor*>> BatchNorm::buffers() {
  return {{"running_mean", &running_mean}, {"running_var", &running_var}};
}

void BatchNorm::reset_parameters(Rng& /*rng*/) {
  gamma.value = Tensor({channels_}, 1.f);
  beta.value = Tensor({channels_}, 0.f);
  running_mean = Tensor({channels_}, 0.f);
  running_var = Tensor({channels_}, 1.f);
}

void BatchNorm::forward(const std::vector<const Tensor*>& inputs, Tensor& output, bool training) {
  const Tensor& in = *inputs.at(0);
  output_shape({in.shape()});
  const int64_t C = channels_;
  const int64_t rows = in.size() / C;
  const Tiling t = make_tiling(C, in.size());
  const float* x = in.data();

  saved_mean_.resize({C});
  saved_inv_std_.resize({C});
  patterns_.resize(static_cast<size_t>(3 * t.width));
  float* mean_p = patterns_.data();
  float* scale_p = mean_p + t.width;
  float* beta_p = scale_p + t.width;

  if (training) {
    require(rows > 1, "batchnorm(" + std::to_string(C) + "): training needs more than one value per channel, got input " +
                          shape_to_string(in.shape()));
    const double* mean = mean_and_m2(t, x, partials_, sums_);
    const double* m2 = mean + C;
    for (int64_t c = 0; c < C; ++c) {
      saved_mean_[c] = static_cast<float>(mean[c]);
      saved_inv_std_[c] = static_cast<float>(1.0 / std::sqrt(m2[c] / rows + eps_));
    }
    update_running(mean, m2, static_cast<double>(rows));
    last_statistics_.resize(static_cast<size_t>(1 + 2 * C));
    last_statistics_[0] = static_cast<double>(rows);
    std::copy(mean, mean + 2 * C, last_statistics_.begin() + 1);
    repeat_over_tile(t, saved_mean_.data(), mean_p);
  } else {
    for (int64_t c = 0; c < C; ++c) {
      saved_mean_[c] = running_mean[c];
      saved_inv_std_[c] = static_cast<float>(1.0 / std::sqrt(static_cast<double>(running_var[c]) + eps_));
    }
    repeat_over_tile(t, saved_mean_.data(), mean_p);
  }
  last_forward_training_ = training;

  for (int64_t j = 0; j < t.width; ++j) {
    const int64_t c = j % C;
    scale_p[j] = gamma.value[c] * saved_inv_std_[c];
    beta_p[j] = beta.value[c];
  }
  output.resize(in.shape());
  float* y = output.data();
  for_each_tile(t, [=](int64_t begin, int64_t n) {
    const float* __restrict xs = x + begin;
    float* __restrict ys = y + begin;
    for (int64_t j = 0; j < n; ++j) ys[j] = (xs[j] - mean_p[j]) * scale_p[j] + beta_p[j];
  });
}

void BatchNorm::update_running(const double* mean, const double* m2, double rows) {
  const float m = momentum_;
  for (int64_t c = 0; c < channels_; ++c) {
    running_mean[c] = static_cast<float>((1.0 - m) * running_mean[c] + m * mean[c]);
    running_var[c] = static_cast<float>((1.0 - m) * running_var[c] + m * m2[c] / (rows - 1));
  }
}

std::vector<double> BatchNorm::batch_statistics() const {
  return last_forward_training_ ? last_statistics_ : std::vector<double>{};
}

void BatchNorm::update_running_state(const std::vector<const double*>& shards) {
  const int64_t C = channels_;
  require(!shards.empty(), "batchnorm(" + std::to_string(C) + "): no shard statistics");
  // Chan's pairwise merge, as mean_and_m2 merges its chunks: shard 0 as it is (one shard
  // updates exactly as its own forward did), then each next shard folded in.
  std::vector<double> merged(shards[0] + 1, shards[0] + 1 + 2 * C);
  double* mean = merged.data();
  double* m2 = mean + C;
  double rows_so_far = shards[0][0];
  for (size_t k = 1; k < shards.size(); ++k)
    merge_moments(mean, m2, rows_so_far, shards[k] + 1, shards[k] + 1 + C, shards[k][0], C);
  update_running(mean, m2, rows_so_far);
}

void BatchNorm::backward(const std::vector<const Tensor*>& inputs, const Tensor& /*output*/, const Tensor& grad_output,
                         const std::vector<Tensor*>& grad_inputs) {
  const Tensor& in = *inputs.at(0);
  output_shape({in.shape()});
  const int64_t C = channels_;
  require(grad_output.shape() == in.shape(), "batchnorm(" + std::to_string(C) + "): gradient " +
                                                 shape_to_string(grad_output.shape()) + " does not match input " +
                                                 shape_to_string(in.shape()));
  require(saved_mean_.size() == C, "batchnorm(" + std::to_string(C) + "): backward called before forward");
  const int64_t rows = in.size() / C;
  const Tiling t = make_tiling(C, in.size());
  const float* x = in.data();
  const float* dy = grad_output.data();

  patterns_.resize(static_cast<size_t>(4 * t.width));
  float* mean_p = patterns_.data();
  float* a_p = mean_p + t.width;
  float* b_p = a_p + t.width;
  repeat_over_tile(t, saved_mean_.data(), mean_p);

  // sums_[c] = sum(dy), sums_[C + c] = sum(dy * (x - mean))
  sum_per_channel<2>(t, partials_, sums_, [=](int64_t begin, int64_t n, float* __restrict acc) {
    const float* __restrict xs = x + begin;
    const float* __restrict dys = dy + begin;
    float* __restrict acc_dy = acc;
    float* __restrict acc_dyx = acc + t.width;
    for (int64_t j = 0; j < n; ++j) {
      acc_dy[j] += dys[j];
      acc_dyx[j] += dys[j] * (xs[j] - mean_p[j]);
    }
  });
  for (int64_t c = 0; c < C; ++c) {
    beta.grad[c] += static_cast<float>(sums_[static_cast<size_t>(c)]);
    gamma.grad[c] += static_cast<float>(sums_[static_cast<size_t>(C + c)] * saved_inv_std_[c]);
  }

  Tensor* grad_in = grad_inputs.empty() ? nullptr : grad_inputs[0];
  if (!grad_in) return;
  grad_in->resize(in.shape());
  float* dx = grad_in->data();

  if (!last_forward_training_) {
    // Running statistics are constants: dx = gamma * inv_std * dy.
    for (int64_t j = 0; j < t.width; ++j) a_p[j] = gamma.value[j % C] * saved_inv_std_[j % C];
    for_each_tile(t, [=](int64_t begin, int64_t n) {
      const float* __restrict dys = dy + begin;
      float* __restrict dxs = dx + begin;
      for (int64_t j = 0; j < n; ++j) dxs[j] = a_p[j] * dys[j];
    });
    return;
  }

  // With k = gamma * inv_std and xhat = (x - mean) * inv_std:
  // dx = k * (dy - mean(dy) - xhat * mean(dy * xhat)) = a * dy + b * (x - mean) + d.
  float* d_p = b_p + t.width;
  for (int64_t j = 0; j < t.width; ++j) {
    const int64_t c = j % C;
    const double inv_std = saved_inv_std_[c];
    const double k = gamma.value[c] * inv_std;
    const double mean_dy = sums_[static_cast<size_t>(c)] / rows;
    const double mean_dy_xhat = sums_[static_cast<size_t>(C + c)] * inv_std / rows;
    a_p[j] = static_cast<float>(k);
    b_p[j] = static_cast<float>(-k * inv_std * mean_dy_xhat);
    d_p[j] = static_cast<float>(-k * mean_dy);
  }
  for_each_tile(t, [=](int64_t begin, int64_t n) {
    const float* __restrict xs = x + begin;
    const float* __restrict dys = dy + begin;
    float* __restrict dxs = dx + begin;
    for (int64_t j = 0; j < n; ++j) dxs[j] = a_p[j] * dys[j] + b_p[j] * (xs[j] - mean_p[j]) + d_p[j];
  });
}

}  // namespace mpq
