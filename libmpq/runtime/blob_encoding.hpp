#pragma once

// The writer's side of the blob format. The runtime owns the format, and part of it is how
// the kernels read their parameters: weight rows packed low bits first, the input's zero
// point folded into the bias, fixed-point multipliers, the residual add's parameters. A
// host exporter encodes them with the kernels' own functions, reached through this header
// so that only the runtime includes libmpq/kernels (docs/architecture.md).

#include "libmpq/kernels/fold_input_zero_point.hpp"
#include "libmpq/kernels/packing.hpp"
#include "libmpq/kernels/quantize_multiplier.hpp"
#include "libmpq/kernels/residual_add.hpp"
#include "libmpq/kernels/status.hpp"

namespace mpq::rt::encoding {

using kernels::Status;
using kernels::status_name;

using kernels::fold_input_zero_point;
using kernels::fold_input_zero_point_depthwise;
using kernels::pack_signed_rows;
using kernels::quantize_multiplier;
using kernels::quantize_residual_add;
using kernels::ResidualAddParams;

}  // namespace mpq::rt::encoding
