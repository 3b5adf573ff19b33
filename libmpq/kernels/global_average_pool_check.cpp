#include "libmpq/kernels/detail/checks.hpp"
#include "libmpq/kernels/global_average_pool.hpp"
#include "libmpq/kernels/packing.hpp"
#include "libmpq/kernels/requantize.hpp"

namespace mpq::kernels {

Status global_average_pool_check(const GlobalAveragePoolParams& p) {
  using namespace detail;
  const Status s = first_error(check_activation(p.input), check_output(p.output));
  if (s != Status::ok) return s;
  if (activation_bytes(p.input_h, p.input_w, p.channels, p.input.bits) == 0 ||
      packed_row_bytes(p.channels, p.output.bits) == 0) {
    return Status::bad_shape;
  }
  if (static_cast<int64_t>(p.input_h) * p.input_w > kMaxPoolPixels) return Status::too_deep;
  if (!is_valid_requant(p.multiplier, p.shift)) return Status::bad_multiplier;
  return Status::ok;
}

}  // namespace mpq::kernels
