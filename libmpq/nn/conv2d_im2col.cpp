// Conv2d's general path (conv2d_paths.hpp): im2col per image and group, then GEMM.
#include "libmpq/nn/conv2d_paths.hpp"

#include "libmpq/tensor/gemm.hpp"
#include "libmpq/tensor/parallel.hpp"

namespace mpq::conv2d_paths {

namespace {

// Copies group `grp` of one image's receptive fields into cols [Ho*Wo, k*k*Cin/groups] in
// (kh, kw, c) order, the weight's order; padding reads as zero.
void im2col(const Geometry& g, const float* x_img, int64_t grp, float* cols) {
  const int64_t cg = g.cin_per_group();
  const float* base = x_img + grp * cg;
  for (int64_t oh = 0; oh < g.ho; ++oh) {
    int64_t ih0, kh_lo, kh_hi;
    g.taps_h(oh, ih0, kh_lo, kh_hi);
    for (int64_t ow = 0; ow < g.wo; ++ow) {
      int64_t iw0, kw_lo, kw_hi;
      g.taps_w(ow, iw0, kw_lo, kw_hi);
      float* dst = cols + (oh * g.wo + ow) * g.patch();
      for (int64_t kh = 0; kh < g.win.kh; ++kh) {
        for (int64_t kw = 0; kw < g.win.kw; ++kw, dst += cg) {
          if (kh < kh_lo || kh >= kh_hi || kw < kw_lo || kw >= kw_hi) {
            std::fill(dst, dst + cg, 0.f);
          } else {
            const float* src = base + ((ih0 + kh) * g.w + iw0 + kw) * g.cin;
            std::copy(src, src + cg, dst);
          }
        }
      }
    }
  }
}

// The adjoint of im2col: adds each column entry back onto the input position it came from.
void col2im_add(const Geometry& g, const float* cols, int64_t grp, float* gx_img) {
  const int64_t cg = g.cin_per_group();
  float* base = gx_img + grp * cg;
  for (int64_t oh = 0; oh < g.ho; ++oh) {
    int64_t ih0, kh_lo, kh_hi;
    g.taps_h(oh, ih0, kh_lo, kh_hi);
    for (int64_t ow = 0; ow < g.wo; ++ow) {
      int64_t iw0, kw_lo, kw_hi;
      g.taps_w(ow, iw0, kw_lo, kw_hi);
      const float* row = cols + (oh * g.wo + ow) * g.patch();
      for (int64_t kh = kh_lo; kh < kh_hi; ++kh) {
        for (int64_t kw = kw_lo; kw < kw_hi; ++kw) {
          const float* __restrict src = row + (kh * g.win.kw + kw) * cg;
          float* __restrict dst = base + ((ih0 + kh) * g.w + iw0 + kw) * g.cin;
          for (int64_t ch = 0; ch < cg; ++ch) dst[ch] += src[ch];
        }
      }
    }
  }
}

}  // namespace

void im2col_forward(const Geometry& g, const float* x, const float* weight, const float* bias, float* y,
                    std::vector<float>& columns) {
  const int64_t grain = reduction_grain(g.n, 1);  // bounds the number of column buffers
  const int64_t pixels = g.ho * g.wo, patch = g.patch(), cog = g.cout_per_group();
  columns.resize(static_cast<size_t>(chunk_count(g.n, grain) * pixels * patch));
  parallel_for(g.n, grain, [&](int64_t i0, int64_t i1) {
    float* cols = columns.data() + (i0 / grain) * pixels * patch;
    for (int64_t img = i0; img < i1; ++img) {
      const float* x_img = x + img * g.h * g.w * g.cin;
      float* y_img = y + img * pixels * g.cout;
      for (int64_t grp = 0; grp < g.groups; ++grp) {
        im2col(g, x_img, grp, cols);
        gemm(false, true, pixels, cog, patch, 1.f, cols, patch, weight + grp * cog * patch, patch, 0.f,
             y_img + grp * cog, g.cout);
      }
      if (bias) add_bias_to_rows(y_img, pixels, g.cout, bias);
    }
  });
}

// The columns are rebuilt from the input rather than kept from forward(): that costs far
// less than the GEMMs and saves a whole batch of im2col memory.
void im2col_backward(const Geometry& g, const float* x, const float* weight, const float* gy, float* gx,
                     float* gweight, float* gbias, std::vector<float>& columns, std::vector<float>& partials) {
  const int64_t grain = reduction_grain(g.n, 1);
  const int64_t chunks = chunk_count(g.n, grain);
  const int64_t pixels = g.ho * g.wo, patch = g.patch(), cog = g.cout_per_group();
  const int64_t wsize = g.cout * patch;
  const int64_t stride = wsize + (gbias ? g.cout : 0);
  columns.resize(static_cast<size_t>(chunks * pixels * patch));
  partials.resize(static_cast<size_t>(chunks * stride));
  parallel_for(g.n, grain, [&](int64_t i0, int64_t i1) {
    float* cols = columns.data() + (i0 / grain) * pixels * patch;
    float* pw = partials.data() + (i0 / grain) * stride;
    std::fill(pw, pw + stride, 0.f);
    for (int64_t img = i0; img < i1; ++img) {
      const float* gy_img = gy + img * pixels * g.cout;
      float* gx_img = gx ? gx + img * g.h * g.w * g.cin : nullptr;
      if (gx_img) std::fill(gx_img, gx_img + g.h * g.w * g.cin, 0.f);
      for (int64_t grp = 0; grp < g.groups; ++grp) {
        const float* gy_grp = gy_img + grp * cog;
        im2col(g, x + img * g.h * g.w * g.cin, grp, cols);
        gemm(true, false, cog, patch, pixels, 1.f, gy_grp, g.cout, cols, patch, 1.f, pw + grp * cog * patch, patch);
        if (gx_img) {
          // cols is free again: reuse it for the column gradient.
          gemm(false, false, pixels, patch, cog, 1.f, gy_grp, g.cout, weight + grp * cog * patch, patch, 0.f, cols,
               patch);
          col2im_add(g, cols, grp, gx_img);
        }
      }
      if (gbias) add_column_sums(gy_img, pixels, g.cout, pw + wsize);
    }
  });
  add_partials(partials.data(), chunks, stride, wsize, gweight);
  if (gbias) add_partials(partials.data() + wsize, chunks, stride, g.cout, gbias);
}

}  // namespace mpq::conv2d_paths
