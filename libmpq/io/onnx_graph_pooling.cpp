// OnnxGraphBuilder, part 3: pooling (GlobalAveragePool, AveragePool, MaxPool) and the
// zero Pad that folds into the Conv or AveragePool after it.
#include <algorithm>

#include "libmpq/core/error.hpp"
#include "libmpq/io/onnx_constant_folding.hpp"
#include "libmpq/io/onnx_graph_builder.hpp"

namespace mpq::onnx_io {

void OnnxGraphBuilder::map_global_average_pool() {
  const Value in = activation_input(0);
  if (in.flat) unsupported("its input is already [N, C]");
  GraphNode g;
  g.kind = LayerKind::GlobalAvgPool;
  g.inputs = {in.node};
  Value out;
  out.c = in.c;
  out.h = out.w = 1;
  out.flat = true;  // ONNX N x C x 1 x 1; the stored graph's [N, C]
  out.node = add(std::move(g), {});
  set_output(out);
}

void OnnxGraphBuilder::map_pool() {
  if (!has_input(0)) unsupported("input 0 is missing");
  const Value in = value(node_->input(0));
  if (in.kind == Value::Kind::constant || in.flat) unsupported("its input is not an N x C x H x W activation");
  const bool max = node_->op_type() == "MaxPool";
  if (max && in.kind == Value::Kind::padded)
    unsupported("a zero Pad before MaxPool is not supported (the zeros would take part in the maximum)");
  if (node_->output_size() > 1) unsupported("the indices output is not supported");
  if (attribute_int(*node_, "ceil_mode", 0) != 0) unsupported("ceil_mode 1 is not supported");
  if (max && attribute_int(*node_, "storage_order", 0) != 0) unsupported("storage_order 1 is not supported");
  const std::vector<int64_t> ks = attribute_ints(*node_, "kernel_shape");
  if (ks.size() != 2) unsupported("kernel_shape " + dims_text(ks) + " is not supported (only 2-D)");
  GraphNode g;
  g.kind = max ? LayerKind::MaxPool : LayerKind::AvgPool;
  g.inputs = {in.node};
  bool own_padding = false;
  const Window2d win = window(in, ks[0], ks[1], own_padding);
  // Zeros a Pad node added are real values, counted whatever the pool's own
  // count_include_pad says; only the pool's own padding may be left out of the divisor.
  if (!max && attribute_int(*node_, "count_include_pad", 0) == 0 && own_padding) {
    if (in.kind == Value::Kind::padded)
      unsupported("count_include_pad 0 with both its own pads and a Pad before it is not supported");
    g.count_include_pad = false;
  }
  if (win.top >= win.kh || win.bottom >= win.kh || win.left >= win.kw || win.right >= win.kw)
    unsupported("pads (top, left, bottom, right) " + dims_text({win.top, win.left, win.bottom, win.right}) +
                " are not supported with kernel " + dims_text(ks) + " (each below the kernel)");
  set_graph_window(g, win);
  Value out;
  out.c = in.c;
  out.h = win.out_h(in.h);
  out.w = win.out_w(in.w);
  const bool padded = win.top || win.left || win.bottom || win.right;
  if (!max && !padded && win.kh == in.h && win.kw == in.w) {
    // A window over the whole input is global average pooling, which the integer
    // pipeline knows; its [N, C] output is what a Flatten after it needs.
    g = GraphNode{};
    g.kind = LayerKind::GlobalAvgPool;
    g.inputs = {in.node};
    out.flat = true;
  }
  out.node = add(std::move(g), {});
  set_output(out);
}

void OnnxGraphBuilder::map_pad() {
  if (!has_input(0)) unsupported("input 0 is missing");
  const Value in = value(node_->input(0));  // possibly padded already: the zeros add up
  if (in.kind == Value::Kind::constant || in.flat) unsupported("its input is not an N x C x H x W activation");
  const std::string mode = attribute_string(*node_, "mode", "constant");
  if (mode != "constant") unsupported("mode '" + mode.substr(0, 20) + "' is not supported (only constant zeros)");
  std::vector<int64_t> pads;
  float fill = 0.f;
  if (opset_ >= 11) {
    pads = read_int_tensor(constant_input(1), what_);
    if (has_input(2)) {
      const FloatTensor v = read_float_tensor(constant_input(2), what_);
      if (v.values.size() > 1) unsupported("constant_value must be a scalar");
      if (!v.values.empty()) fill = v.values[0];
    }
    if (has_input(3)) unsupported("the axes input is not supported");
  } else {
    pads = attribute_ints(*node_, "pads");
    fill = attribute_float(*node_, "value", 0.f);
  }
  if (fill != 0.f) unsupported("constant_value " + std::to_string(fill) + " is not supported (only zeros)");
  if (pads.size() != 8) unsupported("pads " + dims_text(pads) + ": expected 8 values for N x C x H x W");
  if (pads[0] || pads[1] || pads[4] || pads[5]) unsupported("padding of the batch or channel axis is not supported");
  for (int64_t p : pads)
    if (p < 0 || p > kMaxGraphWindow) unsupported("pads " + dims_text(pads) + " are not supported (0.." +
                                                   std::to_string(kMaxGraphWindow) + " only)");
  Value out = in;
  out.kind = Value::Kind::padded;
  out.pad_top += pads[2];
  out.pad_left += pads[3];
  out.pad_bottom += pads[6];
  out.pad_right += pads[7];
  // h and w stay the unpadded input's: the conv or pool folding the zeros adds them.
  set_output(out);
}

}  // namespace mpq::onnx_io
