#include "libmpq/kernels/detail/checks.hpp"
#include "libmpq/kernels/packing.hpp"
#include "libmpq/kernels/requantize.hpp"
#include "libmpq/kernels/residual_add.hpp"

namespace mpq::kernels {

Status residual_add_check(const ResidualAddParams& p) {
  using namespace detail;
  const Status s = first_error(check_activation(p.a), check_activation(p.b), check_output(p.output));
  if (s != Status::ok) return s;
  if (activation_bytes(p.input_h, p.input_w, p.channels, 8) == 0) return Status::bad_shape;
  if (!is_valid_requant(p.a_multiplier, p.a_shift) || !is_valid_requant(p.b_multiplier, p.b_shift) ||
      !is_valid_requant(p.output_multiplier, p.output_shift) || p.left_shift < 0 ||
      p.left_shift > kMaxAddLeftShift) {
    return Status::bad_multiplier;
  }
  return Status::ok;
}

}  // namespace mpq::kernels
