#include "libmpq/nn/conv2d.hpp"

#include <algorithm>
#include <cmath>

#include "libmpq/core/error.hpp"
#include "libmpq/tensor/gemm.hpp"
#include "libmpq/tensor/parallel.hpp"

namespace mpq {

namespace {

// Reductions over the batch are split into at most this many chunks, each with its own
// partial sum; the partials are added in chunk order. Chunks depend only on the shapes, so
// results are bit-identical for any thread count, and the partial buffers stay bounded.
constexpr int64_t kMaxReductionChunks = 16;
// Fewer GEMM rows than this per chunk cost more in scheduling than they gain.
constexpr int64_t kMinGemmRows = 64;
// Roughly the multiply-accumulates worth one parallel chunk of depthwise rows.
constexpr int64_t kDepthwiseChunkMacs = 16384;

int64_t reduction_grain(int64_t n, int64_t min_grain) {
  return std::max(min_grain, (n + kMaxReductionChunks - 1) / kMaxReductionChunks);
}

// Adds `count` floats of each chunk's partial (chunks are `stride` floats apart) into dst,
// in chunk order.
void add_partials(const float* partials, int64_t chunks, int64_t stride, int64_t count, float* dst) {
  for (int64_t c = 0; c < chunks; ++c) {
    const float* p = partials + c * stride;
    for (int64_t i = 0; i < count; ++i) dst[i] += p[i];
  }
}

// Adds column sums of rows x cols matrix m to sums.
void add_column_sums(const float* m, int64_t rows, int64_t cols, float* __restrict sums) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* __restrict row = m + r * cols;
    for (int64_t c = 0; c < cols; ++c) sums[c] += row[c];
  }
}

void add_bias_to_rows(float* m, int64_t rows, int64_t cols, const float* __restrict bias) {
  for (int64_t r = 0; r < rows; ++r) {
    float* __restrict row = m + r * cols;
    for (int64_t c = 0; c < cols; ++c) row[c] += bias[c];
  }
}

std::vector<Shape> shapes_of(const std::vector<const Tensor*>& tensors) {
  std::vector<Shape> shapes;
  for (const Tensor* t : tensors) shapes.push_back(t->shape());
  return shapes;
}

// The sizes of one call; `ho`/`wo` from output_shape().
struct Geometry {
  int64_t n, h, w, cin, ho, wo, cout, k, stride, pad, groups;
  int64_t cin_per_group() const { return cin / groups; }
  int64_t cout_per_group() const { return cout / groups; }
  int64_t patch() const { return k * k * cin_per_group(); }  // one im2col row of one group
  // The kernel taps [lo, hi) that land inside an input extent for output position o.
  static void taps(int64_t o, int64_t stride, int64_t pad, int64_t k, int64_t extent, int64_t& first, int64_t& lo,
                   int64_t& hi) {
    first = o * stride - pad;
    lo = std::max<int64_t>(0, -first);
    hi = std::min<int64_t>(k, extent - first);
  }
};

// ---- 1x1, stride 1, no padding, one group: the batch is one [N*H*W, Cin] matrix ------------

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

// ---- depthwise: direct loops, the channel loop innermost (contiguous in NHWC) ---------------

// weight [C, k, k, 1] -> [k, k, C].
void transpose_depthwise_weight(const Geometry& g, const float* weight, std::vector<float>& khwc) {
  const int64_t kk = g.k * g.k;
  khwc.resize(static_cast<size_t>(kk * g.cout));
  for (int64_t c = 0; c < g.cout; ++c)
    for (int64_t t = 0; t < kk; ++t) khwc[static_cast<size_t>(t * g.cout + c)] = weight[c * kk + t];
}

void depthwise_forward(const Geometry& g, const float* x, const float* wt_khwc, const float* bias, float* y) {
  const int64_t c = g.cout;
  const int64_t rows = g.n * g.ho;
  const int64_t row_macs = std::max<int64_t>(1, g.wo * c * g.k * g.k);
  const int64_t grain = std::max((rows + 63) / 64, (kDepthwiseChunkMacs + row_macs - 1) / row_macs);
  parallel_for(rows, grain, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t img = r / g.ho, oh = r % g.ho;
      const float* x_img = x + img * g.h * g.w * c;
      int64_t ih0, kh_lo, kh_hi;
      Geometry::taps(oh, g.stride, g.pad, g.k, g.h, ih0, kh_lo, kh_hi);
      for (int64_t ow = 0; ow < g.wo; ++ow) {
        float* __restrict out = y + (r * g.wo + ow) * c;
        if (bias) std::copy(bias, bias + c, out);
        else std::fill(out, out + c, 0.f);
        int64_t iw0, kw_lo, kw_hi;
        Geometry::taps(ow, g.stride, g.pad, g.k, g.w, iw0, kw_lo, kw_hi);
        for (int64_t kh = kh_lo; kh < kh_hi; ++kh) {
          for (int64_t kw = kw_lo; kw < kw_hi; ++kw) {
            const float* __restrict in = x_img + ((ih0 + kh) * g.w + iw0 + kw) * c;
            const float* __restrict wv = wt_khwc + (kh * g.k + kw) * c;
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
  const int64_t c = g.cout, kk = g.k * g.k;
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
        Geometry::taps(oh, g.stride, g.pad, g.k, g.h, ih0, kh_lo, kh_hi);
        for (int64_t ow = 0; ow < g.wo; ++ow) {
          const float* __restrict go = gy + ((img * g.ho + oh) * g.wo + ow) * c;
          for (int64_t ch = 0; ch < c; ++ch) pb[ch] += go[ch];
          int64_t iw0, kw_lo, kw_hi;
          Geometry::taps(ow, g.stride, g.pad, g.k, g.w, iw0, kw_lo, kw_hi);
          for (int64_t kh = kh_lo; kh < kh_hi; ++kh) {
            for (int64_t kw = kw_lo; kw < kw_hi; ++kw) {
              const int64_t at = ((ih0 + kh) * g.w + iw0 + kw) * c;
              const float* __restrict in = x_img + at;
              float* __restrict pwv = pw + (kh * g.k + kw) * c;
              for (int64_t ch = 0; ch < c; ++ch) pwv[ch] += go[ch] * in[ch];
              if (gx_img) {
                const float* __restrict wv = wt_khwc + (kh * g.k + kw) * c;
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

// ---- everything else: im2col per image and group, then GEMM ---------------------------------

// Copies group `grp` of one image's receptive fields into cols [Ho*Wo, k*k*Cin/groups] in
// (kh, kw, c) order, the weight's order; padding reads as zero.
void im2col(const Geometry& g, const float* x_img, int64_t grp, float* cols) {
  const int64_t cg = g.cin_per_group();
  const float* base = x_img + grp * cg;
  for (int64_t oh = 0; oh < g.ho; ++oh) {
    int64_t ih0, kh_lo, kh_hi;
    Geometry::taps(oh, g.stride, g.pad, g.k, g.h, ih0, kh_lo, kh_hi);
    for (int64_t ow = 0; ow < g.wo; ++ow) {
      int64_t iw0, kw_lo, kw_hi;
      Geometry::taps(ow, g.stride, g.pad, g.k, g.w, iw0, kw_lo, kw_hi);
      float* dst = cols + (oh * g.wo + ow) * g.patch();
      for (int64_t kh = 0; kh < g.k; ++kh) {
        for (int64_t kw = 0; kw < g.k; ++kw, dst += cg) {
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
    Geometry::taps(oh, g.stride, g.pad, g.k, g.h, ih0, kh_lo, kh_hi);
    for (int64_t ow = 0; ow < g.wo; ++ow) {
      int64_t iw0, kw_lo, kw_hi;
      Geometry::taps(ow, g.stride, g.pad, g.k, g.w, iw0, kw_lo, kw_hi);
      const float* row = cols + (oh * g.wo + ow) * g.patch();
      for (int64_t kh = kh_lo; kh < kh_hi; ++kh) {
        for (int64_t kw = kw_lo; kw < kw_hi; ++kw) {
          const float* __restrict src = row + (kh * g.k + kw) * cg;
          float* __restrict dst = base + ((ih0 + kh) * g.w + iw0 + kw) * g.cin;
          for (int64_t ch = 0; ch < cg; ++ch) dst[ch] += src[ch];
        }
      }
    }
  }
}

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

}  // namespace

Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, int64_t kernel, int64_t stride, int64_t padding,
               int64_t groups, bool bias)
    : in_channels_(in_channels),
      out_channels_(out_channels),
      kernel_(kernel),
      stride_(stride),
      padding_(padding),
      groups_(groups),
      has_bias_(bias) {
  const std::string config = "conv2d: in " + std::to_string(in_channels) + " out " + std::to_string(out_channels) +
                             " kernel " + std::to_string(kernel) + " stride " + std::to_string(stride) +
                             " padding " + std::to_string(padding) + " groups " + std::to_string(groups);
  require(in_channels > 0 && out_channels > 0 && kernel > 0 && stride > 0 && padding >= 0 && groups > 0,
          config + ": channels, kernel, stride and groups must be positive, padding non-negative");
  require(in_channels % groups == 0 && out_channels % groups == 0,
          config + ": in and out channels must be multiples of groups");
  weight = Parameter("weight", {out_channels, kernel, kernel, in_channels / groups});
  if (bias) this->bias = Parameter("bias", {out_channels}, false);
  else this->bias.name = "bias";
}

std::string Conv2d::describe() const {
  std::string s = std::to_string(kernel_) + "x" + std::to_string(kernel_) + "/" + std::to_string(stride_) + " p" +
                  std::to_string(padding_) + " " + std::to_string(in_channels_) + "->" + std::to_string(out_channels_);
  if (is_depthwise()) s += " dw";
  else if (groups_ > 1) s += " g" + std::to_string(groups_);
  if (has_bias_) s += " bias";
  return s;
}

Shape Conv2d::output_shape(const std::vector<Shape>& inputs) const {
  // Messages are built only on failure: this runs on every forward and backward.
  auto where = [this] { return "conv2d " + describe() + ": "; };
  if (inputs.size() != 1) throw Error(where() + "expected 1 input, got " + std::to_string(inputs.size()));
  const Shape& in = inputs[0];
  if (in.size() != 4 || in[3] != in_channels_)
    throw Error(where() + "expected NHWC input with " + std::to_string(in_channels_) + " channels, got " +
                shape_to_string(in));
  const int64_t span_h = in[1] + 2 * padding_ - kernel_, span_w = in[2] + 2 * padding_ - kernel_;
  if (span_h < 0 || span_w < 0)
    throw Error(where() + "input " + shape_to_string(in) + " is smaller than the kernel, output would be empty");
  return {in[0], span_h / stride_ + 1, span_w / stride_ + 1, out_channels_};
}

void Conv2d::forward(const std::vector<const Tensor*>& inputs, Tensor& output, bool /*training*/) {
  const Shape out_shape = output_shape(shapes_of(inputs));
  const Tensor& x = *inputs[0];
  output.resize(out_shape);
  const Geometry g{x.dim(0), x.dim(1), x.dim(2), in_channels_, out_shape[1], out_shape[2], out_channels_,
                   kernel_,   stride_,   padding_, groups_};
  const float* b = has_bias_ ? bias.value.data() : nullptr;
  if (kernel_ == 1 && stride_ == 1 && padding_ == 0 && groups_ == 1) {
    pointwise_forward(g, x.data(), weight.value.data(), b, output.data());
  } else if (is_depthwise()) {
    transpose_depthwise_weight(g, weight.value.data(), weight_khwc_);
    depthwise_forward(g, x.data(), weight_khwc_.data(), b, output.data());
  } else {
    im2col_forward(g, x.data(), weight.value.data(), b, output.data(), columns_);
  }
}

void Conv2d::backward(const std::vector<const Tensor*>& inputs, const Tensor& /*output*/, const Tensor& grad_output,
                      const std::vector<Tensor*>& grad_inputs) {
  const Shape out_shape = output_shape(shapes_of(inputs));
  if (grad_output.shape() != out_shape)
    throw Error("conv2d " + describe() + ": output gradient is " + shape_to_string(grad_output.shape()) +
                ", expected " + shape_to_string(out_shape));
  const Tensor& x = *inputs[0];
  Tensor* gx = grad_inputs.empty() ? nullptr : grad_inputs[0];
  if (gx) gx->resize(x.shape());
  const Geometry g{x.dim(0), x.dim(1), x.dim(2), in_channels_, out_shape[1], out_shape[2], out_channels_,
                   kernel_,   stride_,   padding_, groups_};
  float* gx_data = gx ? gx->data() : nullptr;
  float* gb = has_bias_ ? bias.grad.data() : nullptr;
  if (kernel_ == 1 && stride_ == 1 && padding_ == 0 && groups_ == 1) {
    pointwise_backward(g, x.data(), weight.value.data(), grad_output.data(), gx_data, weight.grad.data(), gb,
                       partials_);
  } else if (is_depthwise()) {
    transpose_depthwise_weight(g, weight.value.data(), weight_khwc_);
    depthwise_backward(g, x.data(), weight_khwc_.data(), grad_output.data(), gx_data, weight.grad.data(), gb,
                       partials_);
  } else {
    im2col_backward(g, x.data(), weight.value.data(), grad_output.data(), gx_data, weight.grad.data(), gb, columns_,
                    partials_);
  }
}

std::vector<Parameter*> Conv2d::parameters() {
  if (has_bias_) return {&weight, &bias};
  return {&weight};
}

int64_t Conv2d::macs(const std::vector<Shape>& inputs) const {
  const Shape out = output_shape(inputs);
  return out[1] * out[2] * out_channels_ * (in_channels_ / groups_) * kernel_ * kernel_;
}

void Conv2d::reset_parameters(Rng& rng) {
  // PyTorch's fan_out for a conv weight is out_channels * k * k, whatever the groups.
  const float std_dev = std::sqrt(2.f / static_cast<float>(out_channels_ * kernel_ * kernel_));
  for (int64_t i = 0; i < weight.value.size(); ++i) weight.value[i] = rng.normal() * std_dev;
  if (has_bias_) bias.value.zero();
}

}  // namespace mpq
