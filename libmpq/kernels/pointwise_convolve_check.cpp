#include "libmpq/kernels/detail/checks.hpp"
#include "libmpq/kernels/packing.hpp"
#include "libmpq/kernels/pointwise_convolve.hpp"
#include "libmpq/kernels/requantize.hpp"

namespace mpq::kernels {

Status pointwise_convolve_check(const PointwiseParams& p) {
  using namespace detail;
  const Status s = first_error(check_activation(p.input), check_weight_bits(p.weight_bits),
                               check_output(p.output));
  if (s != Status::ok) return s;
  if (activation_bytes(p.input_h, p.input_w, p.input_c, p.input.bits) == 0 ||
      activation_bytes(p.input_h, p.input_w, p.output_c, p.output.bits) == 0 ||
      conv_weight_bytes(p.output_c, 1, 1, p.input_c, p.weight_bits) == 0) {
    return Status::bad_shape;
  }
  if (p.input_c > kMaxReductionDepth) return Status::too_deep;
  return Status::ok;
}

}  // namespace mpq::kernels
