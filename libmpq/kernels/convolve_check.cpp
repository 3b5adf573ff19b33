#include "libmpq/kernels/convolve.hpp"
#include "libmpq/kernels/detail/checks.hpp"
#include "libmpq/kernels/packing.hpp"
#include "libmpq/kernels/requantize.hpp"

namespace mpq::kernels {

Status convolve_check(const ConvParams& p) {
  using namespace detail;
  const Status s = first_error(check_activation(p.input), check_weight_bits(p.weight_bits),
                               check_output(p.output),
                               check_window(p.input_h, p.kernel_h, p.stride_h, p.pad_top,
                                            p.pad_bottom),
                               check_window(p.input_w, p.kernel_w, p.stride_w, p.pad_left,
                                            p.pad_right));
  if (s != Status::ok) return s;
  const int32_t out_h = conv_output_size(p.input_h, p.kernel_h, p.stride_h, p.pad_top, p.pad_bottom);
  const int32_t out_w = conv_output_size(p.input_w, p.kernel_w, p.stride_w, p.pad_left, p.pad_right);
  if (activation_bytes(p.input_h, p.input_w, p.input_c, p.input.bits) == 0 ||
      activation_bytes(out_h, out_w, p.output_c, p.output.bits) == 0 ||
      conv_weight_bytes(p.output_c, p.kernel_h, p.kernel_w, p.input_c, p.weight_bits) == 0) {
    return Status::bad_shape;
  }
  if (static_cast<int64_t>(p.kernel_h) * p.kernel_w * p.input_c > kMaxReductionDepth) {
    return Status::too_deep;
  }
  return Status::ok;
}

}  // namespace mpq::kernels
