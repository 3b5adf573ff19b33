#pragma once
// The pooling kernels' shared arithmetic: the input rows and columns of one output
// position's window, and the rounded mean of average pooling, so that the reference and
// the fast kernels cannot differ in either.

#include <cstdint>

#include "libmpq/kernels/pool_geometry.hpp"

namespace mpq::kernels::detail {

// [begin, end) of the input positions along one axis under output position o.
struct AxisWindow {
  int32_t begin, end;
};
inline AxisWindow axis_window(int32_t o, int32_t stride, int32_t pad_before, int32_t kernel,
                              int32_t input) {
  const int32_t start = o * stride - pad_before;
  return {start < 0 ? 0 : start, start + kernel > input ? input : start + kernel};
}

// floor((2 * acc + n) / (2 * n)) for n >= 1: acc / n rounded to nearest, ties up. C++
// division truncates, so negative numerators step down by one when inexact.
inline int32_t rounded_mean(int32_t acc, int32_t n) {
  const int32_t num = 2 * acc + n, den = 2 * n;
  const int32_t q = num / den;
  return (num % den != 0 && num < 0) ? q - 1 : q;
}

}  // namespace mpq::kernels::detail
