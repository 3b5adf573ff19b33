#include "fuzz/onnx_seed_model.hpp"

#include <cstdint>
#include <initializer_list>
#include <vector>

#include <onnx/onnx_pb.h>

namespace mpq::fuzz {

namespace {

void add_floats(onnx::GraphProto& g, const std::string& name, std::initializer_list<int64_t> dims, float first) {
  onnx::TensorProto* t = g.add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  int64_t n = 1;
  for (int64_t d : dims) {
    t->add_dims(d);
    n *= d;
  }
  for (int64_t i = 0; i < n; ++i) t->add_float_data(first + 0.01f * static_cast<float>(i % 7));
}

onnx::NodeProto* add_node(onnx::GraphProto& g, const std::string& op, std::initializer_list<const char*> in,
                          const std::string& out) {
  onnx::NodeProto* n = g.add_node();
  n->set_op_type(op);
  n->set_name(out);
  for (const char* s : in) n->add_input(s);
  n->add_output(out);
  return n;
}

void set_ints(onnx::NodeProto* n, const std::string& name, std::initializer_list<int64_t> v) {
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}

void set_int(onnx::NodeProto* n, const std::string& name, int64_t v) {
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

void add_ints(onnx::GraphProto& g, const std::string& name, std::initializer_list<int64_t> dims,
              std::initializer_list<int64_t> values) {
  onnx::TensorProto* t = g.add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::INT64);
  for (int64_t d : dims) t->add_dims(d);
  for (int64_t v : values) t->add_int64_data(v);
}

// torch's nn.ZeroPad2d(1): [1, 1, 1, 1] (W, H begin/end pairs) padded to 8 values,
// reversed in pairs and transposed into ONNX's order.
void add_computed_pads(onnx::GraphProto& g) {
  add_ints(g, "pad_given", {4}, {1, 1, 1, 1});
  add_ints(g, "pad_rest_shape", {1}, {4});
  add_ints(g, "pairs", {2}, {-1, 2});
  add_ints(g, "rev_start", {1}, {-1});
  add_ints(g, "rev_end", {1}, {INT64_MIN + 1});
  add_ints(g, "rev_axis", {1}, {0});
  add_ints(g, "rev_step", {1}, {-1});
  add_ints(g, "flat", {1}, {-1});
  onnx::NodeProto* zeros = add_node(g, "ConstantOfShape", {"pad_rest_shape"}, "pad_rest");
  onnx::AttributeProto* a = zeros->add_attribute();
  a->set_name("value");
  a->set_type(onnx::AttributeProto::TENSOR);
  a->mutable_t()->set_data_type(onnx::TensorProto::INT64);
  a->mutable_t()->add_dims(1);
  a->mutable_t()->add_int64_data(0);
  set_int(add_node(g, "Concat", {"pad_given", "pad_rest"}, "pad_all"), "axis", 0);
  add_node(g, "Reshape", {"pad_all", "pairs"}, "pad_pairs");
  add_node(g, "Slice", {"pad_pairs", "rev_start", "rev_end", "rev_axis", "rev_step"}, "pad_reversed");
  set_ints(add_node(g, "Transpose", {"pad_reversed"}, "pad_t"), "perm", {1, 0});
  add_node(g, "Reshape", {"pad_t", "flat"}, "pad_flat");
  set_int(add_node(g, "Cast", {"pad_flat"}, "pads"), "to", onnx::TensorProto::INT64);
}

void add_value_info(onnx::ValueInfoProto* v, const std::string& name, std::initializer_list<int64_t> dims) {
  v->set_name(name);
  auto* tt = v->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) tt->mutable_shape()->add_dim()->set_dim_value(d);
}

}  // namespace

std::string onnx_seed_model(bool matmul_head, bool computed_shapes) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(13);
  onnx::GraphProto& g = *m.mutable_graph();
  add_value_info(g.add_input(), "image", {1, 1, 8, 8});
  add_floats(g, "w", {4, 1, 3, 3}, -0.1f);
  add_floats(g, "b", {4}, 0.f);
  for (const char* s : {"scale", "shift", "mean"}) add_floats(g, s, {4}, 0.5f);
  add_floats(g, "var", {4}, 1.f);
  add_floats(g, "lo", {}, 0.f);
  add_floats(g, "hi", {}, 6.f);
  if (computed_shapes) add_computed_pads(g);
  else add_ints(g, "pads", {8}, {0, 0, 1, 1, 0, 0, 1, 1});

  auto* conv = add_node(g, "Conv", {"image", "w", "b"}, "conv");
  set_ints(conv, "pads", {1, 1, 1, 1});
  add_node(g, "BatchNormalization", {"conv", "scale", "shift", "mean", "var"}, "bn");
  add_node(g, "Relu", {"bn"}, "relu");
  add_node(g, "Add", {"relu", "relu"}, "sum");
  auto* max = add_node(g, "MaxPool", {"sum"}, "max");
  set_ints(max, "kernel_shape", {3, 3});
  set_ints(max, "pads", {1, 1, 1, 1});
  add_node(g, "Pad", {"max", "pads"}, "padded");
  auto* avg = add_node(g, "AveragePool", {"padded"}, "avg");
  set_ints(avg, "kernel_shape", {3, 3});
  set_int(avg, "count_include_pad", 1);
  add_node(g, "Clip", {"avg", "lo", "hi"}, "clip");
  add_node(g, "Dropout", {"clip"}, "drop");
  add_node(g, "GlobalAveragePool", {"drop"}, "gap");
  if (computed_shapes) {
    add_ints(g, "zero", {}, {0});
    add_ints(g, "minus_one", {1}, {-1});
    add_node(g, "Shape", {"gap"}, "gap_shape");
    add_node(g, "Gather", {"gap_shape", "zero"}, "batch");
    add_node(g, "Unsqueeze", {"batch", "zero_axes"}, "batch_1d");
    add_ints(g, "zero_axes", {1}, {0});
    set_int(add_node(g, "Concat", {"batch_1d", "minus_one"}, "view_shape"), "axis", 0);
    add_node(g, "Reshape", {"gap", "view_shape"}, "flat");
  } else {
    add_node(g, "Flatten", {"gap"}, "flat");
  }
  if (matmul_head) {
    add_floats(g, "fc_w", {4, 3}, -0.2f);
    add_floats(g, "fc_b", {3}, 0.1f);
    add_node(g, "MatMul", {"flat", "fc_w"}, "mm");
    add_node(g, "Add", {"mm", "fc_b"}, "logits");
  } else {
    add_floats(g, "fc_w", {3, 4}, -0.2f);
    add_floats(g, "fc_b", {3}, 0.1f);
    set_int(add_node(g, "Gemm", {"flat", "fc_w", "fc_b"}, "logits"), "transB", 1);
  }
  add_value_info(g.add_output(), "logits", {1, 3});
  return m.SerializeAsString();
}

}  // namespace mpq::fuzz
