#pragma once

#include <cstdint>
#include <string>

namespace mpq {

// The sliding window of a conv or pool: kernel and stride per axis and zero padding per
// side, as ONNX and Keras models have them (a 10x4 kernel with stride 2x2, SAME padding
// that puts the odd zero after). The built-in models and the integer kernels use only
// square(k, s, p).
struct Window2d {
  int64_t kh = 1, kw = 1, sh = 1, sw = 1;
  int64_t top = 0, left = 0, bottom = 0, right = 0;

  static Window2d square(int64_t k, int64_t s, int64_t p) { return {k, k, s, s, p, p, p, p}; }
  bool is_square() const { return kh == kw && sh == sw && top == left && left == bottom && bottom == right; }
  // Output size along H and W; negative when the padded input is smaller than the kernel.
  int64_t out_h(int64_t h) const { return span(h + top + bottom, kh, sh); }
  int64_t out_w(int64_t w) const { return span(w + left + right, kw, sw); }
  // "3x3/2 p1" for a square window, else "10x4/2x1 p(t,l,b,r) 4,1,5,2".
  std::string text() const {
    auto s = [](int64_t v) { return std::to_string(v); };
    if (is_square()) return s(kh) + "x" + s(kw) + "/" + s(sh) + " p" + s(top);
    return s(kh) + "x" + s(kw) + "/" + s(sh) + "x" + s(sw) + " p(t,l,b,r) " + s(top) + "," + s(left) + "," +
           s(bottom) + "," + s(right);
  }

 private:
  static int64_t span(int64_t padded, int64_t k, int64_t s) { return padded < k ? -1 : (padded - k) / s + 1; }
};

}  // namespace mpq
