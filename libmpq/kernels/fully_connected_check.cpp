#include "libmpq/kernels/detail/checks.hpp"
#include "libmpq/kernels/fully_connected.hpp"
#include "libmpq/kernels/packing.hpp"
#include "libmpq/kernels/requantize.hpp"

namespace mpq::kernels {

Status fully_connected_check(const FullyConnectedParams& p) {
  using namespace detail;
  const Status s = first_error(check_activation(p.input), check_weight_bits(p.weight_bits),
                               check_output(p.output));
  if (s != Status::ok) return s;
  if (packed_row_bytes(p.input_c, p.input.bits) == 0 ||
      packed_row_bytes(p.output_c, p.output.bits) == 0 ||
      fully_connected_weight_bytes(p.output_c, p.input_c, p.weight_bits) == 0) {
    return Status::bad_shape;
  }
  if (p.input_c > kMaxReductionDepth) return Status::too_deep;
  return Status::ok;
}

}  // namespace mpq::kernels
