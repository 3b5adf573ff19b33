#include "libmpq/kernels/convolve.hpp"
#include "libmpq/kernels/depthwise_convolve.hpp"
#include "libmpq/kernels/detail/checks.hpp"
#include "libmpq/kernels/packing.hpp"
#include "libmpq/kernels/requantize.hpp"

namespace mpq::kernels {

Status depthwise_convolve_check(const DepthwiseParams& p) {
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
  if (activation_bytes(p.input_h, p.input_w, p.channels, p.input.bits) == 0 ||
      activation_bytes(out_h, out_w, p.channels, p.output.bits) == 0 ||
      depthwise_weight_bytes(p.kernel_h, p.kernel_w, p.channels, p.weight_bits) == 0) {
    return Status::bad_shape;
  }
  if (static_cast<int64_t>(p.kernel_h) * p.kernel_w > kMaxReductionDepth) return Status::too_deep;
  return Status::ok;
}

}  // namespace mpq::kernels
