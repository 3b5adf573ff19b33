// Conv2d's depthwise path (conv2d_paths.hpp): direct loops, the channel loop innermost.
#include "libmpq/nn/conv2d_paths.hpp"

#include "libmpq/tensor/parallel.hpp"

namespace mpq::conv2d_paths {

namespace {
// Roughly the multiply-accumulates worth one parallel chunk of depthwise rows.
constexpr int64_t kDepthwiseChunkMacs = 16384;
}  // namespace

// weight [C, k, k, 1] -> [k, k, C].
void transpose_depthwise_weight(const Geometry& g, const float* weight, std::vector<float>& khwc) {
  const int64_t kk = g.win.kh * g.win.kw;
  khwc.resize(static_cast<size_t>(kk * g.cout));
  for (int64_t c = 0; c < g.cout; ++c)
    for (int64_t t = 0; t < kk; ++t) khwc[static_cast<size_t>(t * g.cout + c)] = weight[c * kk + t];
}

void depthwise_forward(const Geometry& g, const float* x, const float* wt_khwc, const float* bias, float* y) {
  const int64_t c = g.cout;
  const int64_t rows = g.n * g.ho;
  const int64_t row_macs = std::max<int64_t>(1, g.wo * c * g.win.kh * g.win.kw);
  const int64_t grain = std::max((rows + 63) / 64, (kDepthwiseChunkMacs + row_macs - 1) / row_macs);
  parallel_for(rows, grain, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t img = r / g.ho, oh = r % g.ho;
      const float* x_img = x + img * g.h * g.w * c;
      int64_t ih0, kh_lo, kh_hi;
      g.taps_h(oh, ih0, kh_lo, kh_hi);
      for (int64_t ow = 0; ow < g.wo; ++ow) {
        float* __restrict out = y + (r * g.wo + ow) * c;
        if (bias) std::copy(bias, bias + c, out);
        else std::fill(out, out + c, 0.f);
        int64_t iw0, kw_lo, kw_hi;
        g.taps_w(ow, iw0, kw_lo, kw_hi);
        for (int64_t kh = kh_lo; kh < kh_hi; ++kh) {
          for (int64_t kw = kw_lo; kw < kw_hi; ++kw) {
            const float* __restrict in = x_img + ((ih0 + kh) * g.w + iw0 + kw) * c;
            const float* __restrict wv = wt_khwc + (kh * g.win.kw + kw) * c;
            for (int64_t ch = 0; ch < c; ++ch) out[ch] += in[ch] * wv[ch];
          }
        }
      }
    }
  });
}

// One pass per image computes the input gradient (scattered within the image, so images
// run in parallel) and the chunk's weight ([k, k, C]) and bias partial sums.
void depthwise_backward(const Geometry& g, const float* x, const float* wt_khwc, const float* gy, float* gx,
                        float* gweight, float* gbias, std::vector<float>& partials) {
  const int64_t c = g.cout, kk = g.win.kh * g.win.kw;
  const int64_t grain = reduction_grain(g.n, 1);
  const int64_t chunks = chunk_count(g.n, grain);
  const int64_t stride = kk * c + c;
  partials.resize(static_cast<size_t>(chunks * stride));
  parallel_for(g.n, grain, [&](int64_t i0, int64_t i1) {
    float* pw = partials.data() + (i0 / grain) * stride;
    float* pb = pw + kk * c;
    std::fill(pw, pw + stride, 0.f);
    for (int64_t img = i0; img < i1; ++img) {
      const float* x_img = x + img * g.h * g.w * c;
      float* gx_img = gx ? gx + img * g.h * g.w * c : nullptr;
      if (gx_img) std::fill(gx_img, gx_img + g.h * g.w * c, 0.f);
      for (int64_t oh = 0; oh < g.ho; ++oh) {
        int64_t ih0, kh_lo, kh_hi;
        g.taps_h(oh, ih0, kh_lo, kh_hi);
        for (int64_t ow = 0; ow < g.wo; ++ow) {
          const float* __restrict go = gy + ((img * g.ho + oh) * g.wo + ow) * c;
          for (int64_t ch = 0; ch < c; ++ch) pb[ch] += go[ch];
          int64_t iw0, kw_lo, kw_hi;
          g.taps_w(ow, iw0, kw_lo, kw_hi);
          for (int64_t kh = kh_lo; kh < kh_hi; ++kh) {
            for (int64_t kw = kw_lo; kw < kw_hi; ++kw) {
              const int64_t at = ((ih0 + kh) * g.w + iw0 + kw) * c;
              const float* __restrict in = x_img + at;
              float* __restrict pwv = pw + (kh * g.win.kw + kw) * c;
              for (int64_t ch = 0; ch < c; ++ch) pwv[ch] += go[ch] * in[ch];
              if (gx_img) {
                const float* __restrict wv = wt_khwc + (kh * g.win.kw + kw) * c;
                float* __restrict gin = gx_img + at;
                for (int64_t ch = 0; ch < c; ++ch) gin[ch] += go[ch] * wv[ch];
              }
            }
          }
        }
      }
    }
  });
  for (int64_t chunk = 0; chunk < chunks; ++chunk) {
    const float* pw = partials.data() + chunk * stride;
    for (int64_t t = 0; t < kk; ++t)
      for (int64_t ch = 0; ch < c; ++ch) gweight[ch * kk + t] += pw[t * c + ch];
  }
  if (gbias) add_partials(partials.data() + kk * c, chunks, stride, c, gbias);
}

}  // namespace mpq::conv2d_paths
