#include "libmpq/kernels/convolve.hpp"
#include "libmpq/kernels/detail/checks.hpp"
#include "libmpq/kernels/packing.hpp"
#include "libmpq/kernels/pool_geometry.hpp"
#include "libmpq/kernels/requantize.hpp"

namespace mpq::kernels {

Status pool_geometry_check(const PoolGeometry& g, int32_t bits) {
  using namespace detail;
  if (!is_valid_bits(bits)) return Status::bad_bits;
  const Status s = first_error(check_window(g.input_h, g.kernel_h, g.stride_h, g.pad_top, g.pad_bottom),
                               check_window(g.input_w, g.kernel_w, g.stride_w, g.pad_left, g.pad_right));
  if (s != Status::ok) return s;
  const int32_t out_h = conv_output_size(g.input_h, g.kernel_h, g.stride_h, g.pad_top, g.pad_bottom);
  const int32_t out_w = conv_output_size(g.input_w, g.kernel_w, g.stride_w, g.pad_left, g.pad_right);
  if (activation_bytes(g.input_h, g.input_w, g.channels, bits) == 0 ||
      activation_bytes(out_h, out_w, g.channels, bits) == 0) {
    return Status::bad_shape;
  }
  if (static_cast<int64_t>(g.kernel_h) * g.kernel_w > kMaxReductionDepth) return Status::too_deep;
  return Status::ok;
}

}  // namespace mpq::kernels
