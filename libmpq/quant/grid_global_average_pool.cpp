#include "libmpq/quant/grid_global_average_pool.hpp"

#include <algorithm>

#include "libmpq/core/error.hpp"
#include "libmpq/runtime/blob_encoding.hpp"

namespace mpq {

void GridGlobalAveragePool::forward(const std::vector<const Tensor*>& inputs, Tensor& output, bool training) {
  if (source_->observing()) {
    pool_.forward(inputs, output, training);
    return;
  }
  const Tensor& in = *inputs.at(0);
  output.resize(output_shape({in.shape()}));
  const QuantGrid grid = source_->grid();
  const int64_t N = in.dim(0), pixels = in.dim(1) * in.dim(2), C = in.dim(3);
  // The exporter's multiplier: in.scale / (out.scale * h * w) with out.scale == in.scale.
  int32_t multiplier = 0, shift = 0;
  const rt::encoding::Status s =
      rt::encoding::quantize_multiplier(1.0 / static_cast<double>(pixels), &multiplier, &shift);
  require(s == rt::encoding::Status::ok, "global average pool: no multiplier for " + std::to_string(pixels) + " pixels");
  const int32_t total = 31 - shift;
  const int64_t lo = grid.qmin - grid.zero_point, hi = grid.qmax - grid.zero_point;
  std::vector<int64_t> acc(static_cast<size_t>(C));
  for (int64_t n = 0; n < N; ++n) {
    std::fill(acc.begin(), acc.end(), 0);
    const float* x = in.data() + n * pixels * C;
    for (int64_t p = 0; p < pixels; ++p)
      for (int64_t c = 0; c < C; ++c) acc[static_cast<size_t>(c)] += grid.code(x[p * C + c]) - grid.zero_point;
    for (int64_t c = 0; c < C; ++c) {
      // requantize_exact: one 64-bit product, rounded once, ties toward +infinity.
      const int64_t r = (acc[static_cast<size_t>(c)] * multiplier + (int64_t{1} << (total - 1))) >> total;
      output[n * C + c] = static_cast<float>(std::clamp(r, lo, hi)) * grid.scale;
    }
  }
}

}  // namespace mpq
