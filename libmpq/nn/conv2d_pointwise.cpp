// Conv2d's 1x1 path (conv2d_paths.hpp): the batch as one [N*H*W, Cin] matrix, one GEMM per
// chunk of rows.
#include "libmpq/nn/conv2d_paths.hpp"

#include "libmpq/tensor/gemm.hpp"
#include "libmpq/tensor/parallel.hpp"

namespace mpq::conv2d_paths {

namespace {
// Fewer GEMM rows than this per chunk cost more in scheduling than they gain.
constexpr int64_t kMinGemmRows = 64;
}  // namespace

void pointwise_forward(const Geometry& g, const float* x, const float* weight, const float* bias, float* y) {
  const int64_t rows = g.n * g.h * g.w;
  parallel_for(rows, reduction_grain(rows, kMinGemmRows), [&](int64_t r0, int64_t r1) {
    float* y0 = y + r0 * g.cout;
    gemm(false, true, r1 - r0, g.cout, g.cin, 1.f, x + r0 * g.cin, g.cin, weight, g.cin, 0.f, y0, g.cout);
    if (bias) add_bias_to_rows(y0, r1 - r0, g.cout, bias);
  });
}

void pointwise_backward(const Geometry& g, const float* x, const float* weight, const float* gy, float* gx,
                        float* gweight, float* gbias, std::vector<float>& partials) {
  const int64_t rows = g.n * g.h * g.w;
  const int64_t grain = reduction_grain(rows, kMinGemmRows);
  const int64_t chunks = chunk_count(rows, grain);
  const int64_t wsize = g.cout * g.cin;
  const int64_t stride = wsize + (gbias ? g.cout : 0);
  partials.resize(static_cast<size_t>(chunks * stride));
  parallel_for(rows, grain, [&](int64_t r0, int64_t r1) {
    const int64_t m = r1 - r0;
    const float* gy0 = gy + r0 * g.cout;
    float* pw = partials.data() + (r0 / grain) * stride;
    gemm(true, false, g.cout, g.cin, m, 1.f, gy0, g.cout, x + r0 * g.cin, g.cin, 0.f, pw, g.cin);
    if (gbias) {
      std::fill(pw + wsize, pw + stride, 0.f);
      add_column_sums(gy0, m, g.cout, pw + wsize);
    }
    if (gx) gemm(false, false, m, g.cin, g.cout, 1.f, gy0, g.cout, weight, g.cin, 0.f, gx + r0 * g.cin, g.cin);
  });
  add_partials(partials.data(), chunks, stride, wsize, gweight);
  if (gbias) add_partials(partials.data() + wsize, chunks, stride, g.cout, gbias);
}

}  // namespace mpq::conv2d_paths
