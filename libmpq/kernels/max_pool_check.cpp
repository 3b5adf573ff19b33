#include "libmpq/kernels/max_pool.hpp"

namespace mpq::kernels {

Status max_pool_check(const MaxPoolParams& p) { return pool_geometry_check(p.geometry, p.bits); }

}  // namespace mpq::kernels
