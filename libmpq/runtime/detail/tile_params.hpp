// The kernel parameters of one op of a patch stage on one tile: the op's own parameters
// (kernel_params.hpp) with the input cut to the tile's window and the padding kept only on
// the sides where the window passes the tensor's border. Shared by the stage's checks and
// buffer sizes (patch_stage.cpp) and its execution (run_patch_stage.cpp).
#pragma once

#include "libmpq/runtime/detail/kernel_params.hpp"
#include "libmpq/runtime/patch_stage.hpp"

namespace mpq::rt::detail {

inline kernels::ConvParams tile_conv_params(const OpRecord& op, const OpWindow& w) {
  kernels::ConvParams p = conv_params(op);
  p.input_h = w.in_y.size();
  p.input_w = w.in_x.size();
  p.pad_top = w.pad_top;
  p.pad_bottom = w.pad_bottom;
  p.pad_left = w.pad_left;
  p.pad_right = w.pad_right;
  return p;
}

inline kernels::PointwiseParams tile_pointwise_params(const OpRecord& op, const OpWindow& w) {
  kernels::PointwiseParams p = pointwise_params(op);
  p.input_h = w.in_y.size();
  p.input_w = w.in_x.size();
  return p;
}

inline kernels::DepthwiseParams tile_depthwise_params(const OpRecord& op, const OpWindow& w) {
  kernels::DepthwiseParams p = depthwise_params(op);
  p.input_h = w.in_y.size();
  p.input_w = w.in_x.size();
  p.pad_top = w.pad_top;
  p.pad_bottom = w.pad_bottom;
  p.pad_left = w.pad_left;
  p.pad_right = w.pad_right;
  return p;
}

}  // namespace mpq::rt::detail
