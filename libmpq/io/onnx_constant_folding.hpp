// Evaluates the small integer computations PyTorch's exporter leaves in a graph around
// the nodes the import maps: the pads of nn.ZeroPad2d (ConstantOfShape, Concat, Reshape,
// Slice, Transpose, Cast) and the target shape of x.view(x.size(0), -1) (Shape, Gather,
// Unsqueeze, Concat). Internal to io/onnx_graph_builder.cpp.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "libmpq/io/onnx_tensors.hpp"

namespace mpq::onnx_io {

// Folded tensors are shapes and pads: a few values. Anything larger is refused.
constexpr int64_t kMaxFoldedElements = 1 << 16;

// True for the op types fold_constant evaluates.
bool is_foldable_op(const std::string& op_type);

// The constant `node` computes from its constant `inputs` (nullptr for an absent optional
// input), as a tensor the caller owns. Throws Error (message without the node's name,
// which the caller adds) when the node's attributes or inputs are outside what it
// evaluates.
std::shared_ptr<onnx::TensorProto> fold_constant(const onnx::NodeProto& node,
                                                 const std::vector<const onnx::TensorProto*>& inputs,
                                                 const std::string& what);

// The INT64 tensor of a shape, e.g. [1, C, H, W].
std::shared_ptr<onnx::TensorProto> shape_tensor(const std::vector<int64_t>& shape);

}  // namespace mpq::onnx_io
