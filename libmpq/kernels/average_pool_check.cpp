#include "libmpq/kernels/average_pool.hpp"
#include "libmpq/kernels/detail/checks.hpp"

namespace mpq::kernels {

Status average_pool_check(const AveragePoolParams& p) {
  const Status s = detail::check_activation(p.activation);
  if (s != Status::ok) return s;
  if (p.count_include_pad != 0 && p.count_include_pad != 1) return Status::bad_shape;
  return pool_geometry_check(p.geometry, p.activation.bits);
}

}  // namespace mpq::kernels
