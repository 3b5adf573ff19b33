#include "libmpq/quant/grid_average_pool.hpp"

#include <algorithm>
#include <cmath>

#include "libmpq/tensor/parallel.hpp"

namespace mpq {

GridAveragePool::GridAveragePool(const Window2d& window, bool count_include_pad, const ActivationQuantizer* source)
    : pool_(Pool2d::Mode::Average, window, count_include_pad), source_(source) {}

void GridAveragePool::forward(const std::vector<const Tensor*>& inputs, Tensor& output, bool training) {
  if (source_->observing()) {
    pool_.forward(inputs, output, training);
    return;
  }
  const Tensor& in = *inputs.at(0);
  const Shape out_shape = output_shape({in.shape()});
  output.resize(out_shape);
  const QuantGrid grid = source_->grid();
  const int64_t N = in.dim(0), H = in.dim(1), W = in.dim(2), C = in.dim(3), OH = out_shape[1], OW = out_shape[2];
  const Window2d& win = pool_.window();
  const bool full = pool_.count_include_pad();
  const float* x = in.data();
  float* y = output.data();
  parallel_for(N * OH, 1, [&](int64_t begin, int64_t end) {
    std::vector<int64_t> acc(static_cast<size_t>(C));
    for (int64_t row = begin; row < end; ++row) {
      const int64_t n = row / OH, oh = row % OH;
      const int64_t h0 = std::max<int64_t>(0, oh * win.sh - win.top);
      const int64_t h1 = std::min(H, oh * win.sh - win.top + win.kh);
      for (int64_t ow = 0; ow < OW; ++ow) {
        const int64_t w0 = std::max<int64_t>(0, ow * win.sw - win.left);
        const int64_t w1 = std::min(W, ow * win.sw - win.left + win.kw);
        std::fill(acc.begin(), acc.end(), 0);
        // The input is on the grid already: its codes relative to the zero point, summed.
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w) {
            const float* src = x + ((n * H + h) * W + w) * C;
            for (int64_t c = 0; c < C; ++c) acc[static_cast<size_t>(c)] += grid.code(src[c]) - grid.zero_point;
          }
        const int64_t count = full ? win.kh * win.kw : (h1 - h0) * (w1 - w0);
        float* dst = y + (row * OW + ow) * C;
        for (int64_t c = 0; c < C; ++c) {
          // floor((2 acc + count) / (2 count)): the mean rounded to nearest, ties up.
          const int64_t num = 2 * acc[static_cast<size_t>(c)] + count, den = 2 * count;
          const int64_t mean = num / den - ((num % den != 0 && num < 0) ? 1 : 0);
          dst[c] = static_cast<float>(mean) * grid.scale;
        }
      }
    }
  });
}

}  // namespace mpq
