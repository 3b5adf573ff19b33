#pragma once
// Conv2d's three computation paths, one of which conv2d.cpp picks per call: 1x1 stride 1
// as one GEMM over the batch (conv2d_pointwise.cpp), depthwise as direct loops
// (conv2d_depthwise.cpp), and im2col + GEMM for everything else (conv2d_im2col.cpp);
// with the geometry and the batch-reduction helpers they share. Tensors are NHWC, weights
// [out, kh, kw, in/groups] (conv2d.hpp).

#include <algorithm>
#include <cstdint>
#include <vector>

#include "libmpq/nn/window2d.hpp"

namespace mpq::conv2d_paths {

// Reductions over the batch are split into at most this many chunks, each with its own
// partial sum; the partials are added in chunk order. Chunks depend only on the shapes, so
// results are bit-identical for any thread count, and the partial buffers stay bounded.
constexpr int64_t kMaxReductionChunks = 16;

inline int64_t reduction_grain(int64_t n, int64_t min_grain) {
  return std::max(min_grain, (n + kMaxReductionChunks - 1) / kMaxReductionChunks);
}

// Adds `count` floats of each chunk's partial (chunks are `stride` floats apart) into dst,
// in chunk order.
inline void add_partials(const float* partials, int64_t chunks, int64_t stride, int64_t count, float* dst) {
  for (int64_t c = 0; c < chunks; ++c) {
    const float* p = partials + c * stride;
    for (int64_t i = 0; i < count; ++i) dst[i] += p[i];
  }
}

// Adds column sums of rows x cols matrix m to sums.
inline void add_column_sums(const float* m, int64_t rows, int64_t cols, float* __restrict sums) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* __restrict row = m + r * cols;
    for (int64_t c = 0; c < cols; ++c) sums[c] += row[c];
  }
}

inline void add_bias_to_rows(float* m, int64_t rows, int64_t cols, const float* __restrict bias) {
  for (int64_t r = 0; r < rows; ++r) {
    float* __restrict row = m + r * cols;
    for (int64_t c = 0; c < cols; ++c) row[c] += bias[c];
  }
}

// The sizes of one call; `ho`/`wo` from output_shape().
struct Geometry {
  int64_t n, h, w, cin, ho, wo, cout, groups;
  Window2d win;
  int64_t cin_per_group() const { return cin / groups; }
  int64_t cout_per_group() const { return cout / groups; }
  int64_t patch() const { return win.kh * win.kw * cin_per_group(); }  // one im2col row of one group
  // The kernel taps [lo, hi) that land inside an input extent for output position o.
  void taps_h(int64_t o, int64_t& first, int64_t& lo, int64_t& hi) const {
    taps(o, win.sh, win.top, win.kh, h, first, lo, hi);
  }
  void taps_w(int64_t o, int64_t& first, int64_t& lo, int64_t& hi) const {
    taps(o, win.sw, win.left, win.kw, w, first, lo, hi);
  }
  static void taps(int64_t o, int64_t stride, int64_t pad, int64_t k, int64_t extent, int64_t& first, int64_t& lo,
                   int64_t& hi) {
    first = o * stride - pad;
    lo = std::max<int64_t>(0, -first);
    hi = std::min<int64_t>(k, extent - first);
  }
};

// 1x1, stride 1, no padding, one group: the batch is one [N*H*W, Cin] matrix.
void pointwise_forward(const Geometry& g, const float* x, const float* weight, const float* bias, float* y);
void pointwise_backward(const Geometry& g, const float* x, const float* weight, const float* gy, float* gx,
                        float* gweight, float* gbias, std::vector<float>& partials);

// Depthwise: direct loops over weights transposed to [k, k, C], the channel loop innermost
// (contiguous in NHWC).
void transpose_depthwise_weight(const Geometry& g, const float* weight, std::vector<float>& khwc);
void depthwise_forward(const Geometry& g, const float* x, const float* wt_khwc, const float* bias, float* y);
void depthwise_backward(const Geometry& g, const float* x, const float* wt_khwc, const float* gy, float* gx,
                        float* gweight, float* gbias, std::vector<float>& partials);

// Everything else: im2col per image and group, then GEMM.
void im2col_forward(const Geometry& g, const float* x, const float* weight, const float* bias, float* y,
                    std::vector<float>& columns);
void im2col_backward(const Geometry& g, const float* x, const float* weight, const float* gy, float* gx,
                     float* gweight, float* gbias, std::vector<float>& columns, std::vector<float>& partials);

}  // namespace mpq::conv2d_paths
