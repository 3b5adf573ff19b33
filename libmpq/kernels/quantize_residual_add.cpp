#include "libmpq/kernels/quantize_multiplier.hpp"
#include "libmpq/kernels/residual_add.hpp"

namespace mpq::kernels {

Status quantize_residual_add(double a_scale, double b_scale, double output_scale,
                             ResidualAddParams* p) {
  if (p == nullptr) return Status::null_pointer;
  if (!(a_scale > 0.0) || !(b_scale > 0.0) || !(output_scale > 0.0)) return Status::bad_multiplier;
  p->left_shift = 20;
  const double twice_max = 2.0 * (a_scale > b_scale ? a_scale : b_scale);
  Status s = quantize_multiplier(a_scale / twice_max, &p->a_multiplier, &p->a_shift);
  if (s == Status::ok) s = quantize_multiplier(b_scale / twice_max, &p->b_multiplier, &p->b_shift);
  if (s == Status::ok) {
    s = quantize_multiplier(twice_max / (1048576.0 * output_scale), &p->output_multiplier,
                            &p->output_shift);
  }
  return s;
}

}  // namespace mpq::kernels
