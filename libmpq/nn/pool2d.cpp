#include "libmpq/nn/pool2d.hpp"

#include <algorithm>

#include "libmpq/core/error.hpp"
#include "libmpq/tensor/parallel.hpp"

namespace mpq {

namespace {

constexpr int64_t kChunkFloats = 16384;  // elements per parallel_for chunk

// Rows of `row_elements` floats per parallel_for chunk.
int64_t rows_per_chunk(int64_t row_elements) { return std::max<int64_t>(1, kChunkFloats / std::max<int64_t>(1, row_elements)); }

struct Geometry {
  int64_t N, H, W, C, OH, OW;
};

// Window [lo, hi) of output positions along one axis whose windows contain input
// position i: o * stride - padding <= i <= o * stride - padding + kernel - 1 (padding:
// the one before, top or left).
void covering_outputs(int64_t i, int64_t kernel, int64_t stride, int64_t padding, int64_t out, int64_t& lo,
                      int64_t& hi) {
  const int64_t first = i + padding - kernel + 1;
  lo = first <= 0 ? 0 : (first + stride - 1) / stride;
  hi = std::min(out, (i + padding) / stride + 1);
}

}  // namespace

Pool2d::Pool2d(Mode mode, int64_t kernel, int64_t stride, int64_t padding, bool count_include_pad)
    : Pool2d(mode, Window2d::square(kernel, stride, padding), count_include_pad) {
  // As PyTorch for the square pools of the built-ins and the integer kernels.
  require(padding <= kernel / 2, std::string(layer_kind_name(kind())) + ": padding must be in [0, kernel/2 = " +
                                     std::to_string(kernel / 2) + "], got " + std::to_string(padding));
}

Pool2d::Pool2d(Mode mode, const Window2d& window, bool count_include_pad)
    : mode_(mode), window_(window), count_include_pad_(count_include_pad) {
  const std::string name = layer_kind_name(kind());
  const Window2d& w = window;
  require(w.kh >= 1 && w.kw >= 1, name + ": kernel must be at least 1, got " + w.text());
  require(w.sh >= 1 && w.sw >= 1, name + ": stride must be at least 1, got " + w.text());
  // More padding would make windows with no input position in them (ONNX allows it,
  // but then a max or an average over nothing is undefined).
  require(w.top >= 0 && w.bottom >= 0 && w.top < w.kh && w.bottom < w.kh && w.left >= 0 && w.right >= 0 &&
              w.left < w.kw && w.right < w.kw,
          name + " " + w.text() + ": padding on each side must be in [0, kernel - 1]");
}

std::string Pool2d::describe() const {
  const Window2d& w = window_;
  const bool padded = w.top || w.left || w.bottom || w.right;
  std::string s = w.text();
  if (w.is_square() && !padded) s = s.substr(0, s.rfind(" p"));  // "2x2/2" as before
  if (padded && mode_ == Mode::Average && !count_include_pad_) s += " excl";
  return s;
}

Shape Pool2d::output_shape(const std::vector<Shape>& inputs) const {
  const std::string name = layer_kind_name(kind());
  require(inputs.size() == 1, name + ": expected 1 input, got " + std::to_string(inputs.size()));
  const Shape& s = inputs[0];
  require(s.size() == 4, name + ": expected input NxHxWxC, got " + shape_to_string(s));
  const int64_t oh = window_.out_h(s[1]), ow = window_.out_w(s[2]);
  require(oh >= 1 && ow >= 1,
          name + " " + describe() + ": input " + shape_to_string(s) + " is smaller than the window");
  return {s[0], oh, ow, s[3]};
}

void Pool2d::forward(const std::vector<const Tensor*>& inputs, Tensor& output, bool /*training*/) {
  const Tensor& in = *inputs.at(0);
  const Shape out_shape = output_shape({in.shape()});
  output.resize(out_shape);
  const Geometry g{in.dim(0), in.dim(1), in.dim(2), in.dim(3), out_shape[1], out_shape[2]};
  const int64_t kh = window_.kh, kw = window_.kw, sh = window_.sh, sw = window_.sw, pt = window_.top,
                pl = window_.left;
  const float* x = in.data();
  float* y = output.data();

  if (mode_ == Mode::Average) {
    const bool full = count_include_pad_;
    parallel_for(g.N * g.OH, rows_per_chunk(g.OW * g.C), [=](int64_t begin, int64_t end) {
      for (int64_t row = begin; row < end; ++row) {
        const int64_t n = row / g.OH, oh = row % g.OH;
        const int64_t h0 = std::max<int64_t>(0, oh * sh - pt), h1 = std::min(g.H, oh * sh - pt + kh);
        for (int64_t ow = 0; ow < g.OW; ++ow) {
          const int64_t w0 = std::max<int64_t>(0, ow * sw - pl), w1 = std::min(g.W, ow * sw - pl + kw);
          float* __restrict acc = y + (row * g.OW + ow) * g.C;
          std::fill(acc, acc + g.C, 0.f);
          for (int64_t h = h0; h < h1; ++h)
            for (int64_t w = w0; w < w1; ++w) {
              const float* __restrict src = x + ((n * g.H + h) * g.W + w) * g.C;
              for (int64_t c = 0; c < g.C; ++c) acc[c] += src[c];
            }
          const float inv = 1.f / static_cast<float>(full ? kh * kw : (h1 - h0) * (w1 - w0));
          for (int64_t c = 0; c < g.C; ++c) acc[c] *= inv;
        }
      }
    });
    return;
  }

  argmax_.resize(static_cast<size_t>(output.size()));
  int32_t* arg = argmax_.data();
  parallel_for(g.N * g.OH, rows_per_chunk(g.OW * g.C), [=](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t n = row / g.OH, oh = row % g.OH;
      const int64_t top = oh * sh - pt;
      const int64_t h0 = std::max<int64_t>(0, top), h1 = std::min(g.H, top + kh);
      for (int64_t ow = 0; ow < g.OW; ++ow) {
        const int64_t left = ow * sw - pl;
        const int64_t w0 = std::max<int64_t>(0, left), w1 = std::min(g.W, left + kw);
        float* __restrict best = y + (row * g.OW + ow) * g.C;
        int32_t* __restrict best_at = arg + (row * g.OW + ow) * g.C;
        // The padding bound guarantees a non-empty window; its first element seeds the max.
        const float* first = x + ((n * g.H + h0) * g.W + w0) * g.C;
        const auto first_pos = static_cast<int32_t>((h0 - top) * kw + (w0 - left));
        for (int64_t c = 0; c < g.C; ++c) {
          best[c] = first[c];
          best_at[c] = first_pos;
        }
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w) {
            const float* __restrict src = x + ((n * g.H + h) * g.W + w) * g.C;
            const auto pos = static_cast<int32_t>((h - top) * kw + (w - left));
            for (int64_t c = 0; c < g.C; ++c) {
              // Strict '>': the first maximum wins. The select is written as a bit mask
              // because a float compare driving an int select does not vectorize otherwise.
              const float v = src[c], b = best[c];
              const int32_t greater = -static_cast<int32_t>(v > b);
              best[c] = v > b ? v : b;
              best_at[c] = (pos & greater) | (best_at[c] & ~greater);
            }
          }
      }
    }
  });
}

void Pool2d::backward(const std::vector<const Tensor*>& inputs, const Tensor& /*output*/, const Tensor& grad_output,
                      const std::vector<Tensor*>& grad_inputs) {
  const Tensor& in = *inputs.at(0);
  const Shape out_shape = output_shape({in.shape()});
  const std::string name = layer_kind_name(kind());
  require(grad_output.shape() == out_shape, name + ": gradient " + shape_to_string(grad_output.shape()) +
                                                " does not match output " + shape_to_string(out_shape));
  require(mode_ == Mode::Average || static_cast<int64_t>(argmax_.size()) == grad_output.size(),
          name + ": backward called before forward");
  Tensor* grad_in = grad_inputs.empty() ? nullptr : grad_inputs[0];
  if (!grad_in) return;
  grad_in->resize(in.shape());
  const Geometry g{in.dim(0), in.dim(1), in.dim(2), in.dim(3), out_shape[1], out_shape[2]};
  const int64_t kh = window_.kh, kw = window_.kw, sh = window_.sh, sw = window_.sw, pt = window_.top,
                pl = window_.left;
  covering_.resize(static_cast<size_t>(2 * g.W));
  for (int64_t w = 0; w < g.W; ++w) covering_outputs(w, kw, sw, pl, g.OW, covering_[2 * w], covering_[2 * w + 1]);
  const int64_t* cover = covering_.data();
  const float* dy = grad_output.data();
  float* dx = grad_in->data();
  const int32_t* arg = argmax_.data();
  const bool average = mode_ == Mode::Average, full = count_include_pad_;
  const float inv_full = 1.f / static_cast<float>(kh * kw);
  // Without count_include_pad, output (oh, ow) divides by its window's positions inside
  // the input.
  auto inv_count = [=](int64_t oh, int64_t ow) {
    const int64_t rows = std::min(g.H, oh * sh - pt + kh) - std::max<int64_t>(0, oh * sh - pt);
    const int64_t cols = std::min(g.W, ow * sw - pl + kw) - std::max<int64_t>(0, ow * sw - pl);
    return 1.f / static_cast<float>(rows * cols);
  };

  // Gathers, per input element, from the outputs whose windows cover it: every dx element
  // is written once by one chunk, so rows of the same image can run in parallel.
  parallel_for(g.N * g.H, rows_per_chunk(g.W * g.C), [=](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t n = row / g.H, h = row % g.H;
      int64_t oh0, oh1;
      covering_outputs(h, kh, sh, pt, g.OH, oh0, oh1);
      for (int64_t w = 0; w < g.W; ++w) {
        const int64_t ow0 = cover[2 * w], ow1 = cover[2 * w + 1];
        float* __restrict acc = dx + (row * g.W + w) * g.C;
        std::fill(acc, acc + g.C, 0.f);
        for (int64_t oh = oh0; oh < oh1; ++oh)
          for (int64_t ow = ow0; ow < ow1; ++ow) {
            const int64_t o = ((n * g.OH + oh) * g.OW + ow) * g.C;
            const float* __restrict src = dy + o;
            if (average && full) {
              for (int64_t c = 0; c < g.C; ++c) acc[c] += src[c];
            } else if (average) {
              const float inv = inv_count(oh, ow);
              for (int64_t c = 0; c < g.C; ++c) acc[c] += src[c] * inv;
            } else {
              const auto pos = static_cast<int32_t>((h - (oh * sh - pt)) * kw + (w - (ow * sw - pl)));
              const int32_t* __restrict chosen = arg + o;
              for (int64_t c = 0; c < g.C; ++c) {
                const float d = src[c];
                acc[c] += chosen[c] == pos ? d : 0.f;
              }
            }
          }
        if (average && full)
          for (int64_t c = 0; c < g.C; ++c) acc[c] *= inv_full;
      }
    }
  });
}

}  // namespace mpq
