#include "libmpq/runtime/inplace_pointwise.hpp"

#include "libmpq/kernels/packing.hpp"
#include "libmpq/runtime/op_requirements.hpp"

namespace mpq::rt {

int64_t inplace_pixelwise_lag(int64_t pixels, int64_t in_pixel, int64_t out_pixel) {
  if (pixels <= 0 || in_pixel <= 0 || out_pixel <= 0) return -1;
  // (p + 1) * out - p * in grows with p when out > in (worst at the last pixel) and
  // shrinks otherwise (worst at p = 0): one closed form instead of a pass over the pixels.
  const int64_t growth = out_pixel > in_pixel ? out_pixel - in_pixel : 0;
  return out_pixel + (pixels - 1) * growth;
}

int32_t inplace_pointwise_lag(const OpRecord& r) {
  if (r.kind >= blob::op_kind::count || op_kernel(r) != OpKernel::pointwise_convolve) return -1;
  if (!kernels::is_valid_bits(r.input_bits) || !kernels::is_valid_bits(r.output_bits)) return -1;
  const int64_t lag = inplace_pixelwise_lag(static_cast<int64_t>(r.in_h) * r.in_w,
                                            kernels::packed_row_bytes(r.in_c, r.input_bits),
                                            kernels::packed_row_bytes(r.out_c, r.output_bits));
  return lag > INT32_MAX ? -1 : static_cast<int32_t>(lag);
}

}  // namespace mpq::rt
