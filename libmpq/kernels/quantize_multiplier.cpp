#include "libmpq/kernels/quantize_multiplier.hpp"

#include "libmpq/kernels/requantize.hpp"

namespace mpq::kernels {

Status quantize_multiplier(double real, int32_t* multiplier, int32_t* shift) {
  if (multiplier == nullptr || shift == nullptr) return Status::null_pointer;
  // The comparisons are false for NaN, so NaN is refused too.
  if (!(real >= 0.0) || !(real < 1073741824.0)) return Status::bad_multiplier;
  if (real == 0.0) {
    *multiplier = 0;
    *shift = 0;
    return Status::ok;
  }
  // real = q * 2^e with q in [0.5, 1); scaling by 2 is exact, so q keeps every bit of real.
  int32_t e = 0;
  double q = real;
  while (q >= 1.0) {
    q *= 0.5;
    ++e;
  }
  while (q < 0.5) {
    q *= 2.0;
    --e;
  }
  // q * 2^31 < 2^31 is exact; adding 0.5 and truncating rounds half up.
  int64_t m = static_cast<int64_t>(q * 2147483648.0 + 0.5);
  if (m == (int64_t{1} << 31)) {
    m >>= 1;
    ++e;
  }
  if (e > kMaxShift) return Status::bad_multiplier;
  if (e < kMinShift) {
    const int32_t extra = kMinShift - e;
    m = extra >= 32 ? 0 : (m + (int64_t{1} << (extra - 1))) >> extra;
    e = kMinShift;
  }
  *multiplier = static_cast<int32_t>(m);
  *shift = e;
  return Status::ok;
}

}  // namespace mpq::kernels
