#include "libmpq/io/onnx_import.hpp"

#include <set>

#include "libmpq/core/error.hpp"
#include "libmpq/io/onnx_graph_builder.hpp"
#include "libmpq/io/onnx_tensors.hpp"

namespace mpq {

namespace {

using onnx_io::OnnxGraphBuilder;

// The opsets torch.onnx.export writes (and this import is tested with).
constexpr int64_t kOldestOpset = 11;
constexpr int64_t kNewestOpset = 17;

int64_t default_opset(const onnx::ModelProto& model, const std::string& what) {
  for (const auto& o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") {
      if (o.version() < kOldestOpset || o.version() > kNewestOpset)
        throw Error(what + ": ONNX opset " + std::to_string(o.version()) + ", this import reads opsets " +
                    std::to_string(kOldestOpset) + " to " + std::to_string(kNewestOpset));
      return o.version();
    }
  throw Error(what + ": the model imports no version of the default ONNX opset");
}

// The one graph input that is not an initializer: N x C x H x W floats.
const onnx::ValueInfoProto& image_input(const onnx::GraphProto& g, const std::string& what) {
  std::set<std::string> initializers;
  for (const auto& t : g.initializer()) initializers.insert(t.name());
  const onnx::ValueInfoProto* found = nullptr;
  for (const auto& in : g.input()) {
    if (initializers.count(in.name())) continue;
    if (found)
      throw Error(what + ": the graph has inputs '" + found->name() + "' and '" + in.name() +
                  "', expected one image input");
    found = &in;
  }
  if (!found) throw Error(what + ": the graph has no input");
  return *found;
}

void read_input_shape(const onnx::ValueInfoProto& in, const OnnxImportOptions& options, const std::string& what,
                      int64_t& c, int64_t& h, int64_t& w) {
  const std::string label = what + ": input '" + in.name() + "'";
  if (!in.type().has_tensor_type()) throw Error(label + " is not a tensor");
  const auto& tt = in.type().tensor_type();
  if (tt.elem_type() != onnx::TensorProto::FLOAT)
    throw Error(label + " has element type " + std::to_string(tt.elem_type()) + ", expected FLOAT (1)");
  if (tt.has_shape() && tt.shape().dim_size() != 4)
    throw Error(label + " has rank " + std::to_string(tt.shape().dim_size()) + ", expected 4 (N x C x H x W)");
  int64_t dims[3] = {0, 0, 0};
  if (tt.has_shape())
    for (int i = 0; i < 3; ++i) {
      const auto& d = tt.shape().dim(i + 1);
      if (d.has_dim_value()) dims[i] = d.dim_value();
    }
  if (options.in_channels > 0) {
    dims[0] = options.in_channels;
    dims[1] = options.in_height;
    dims[2] = options.in_width;
  }
  if (dims[0] <= 0 || dims[1] <= 0 || dims[2] <= 0)
    throw Error(label + " has no fixed C x H x W; give --input CxHxW");
  // Bounded here, before any size is computed from them.
  ModelSpec bounds;
  bounds.in_channels = c = dims[0];
  bounds.in_height = h = dims[1];
  bounds.in_width = w = dims[2];
  validate_model_spec(bounds, label);
}

// Names in a file may hold any bytes; a message stays on one line.
std::string one_line(std::string s) {
  for (char& ch : s)
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = '?';
  return s;
}

Checkpoint import_model(const std::string& bytes, const std::string& what, const OnnxImportOptions& options) {
  onnx::ModelProto model;
  // An empty message is valid protobuf (and so is much else): what makes it an ONNX
  // model is an IR version and a graph with nodes, checked next.
  if (!model.ParseFromString(bytes))
    throw Error(what + ": not an ONNX model (not a valid protobuf ModelProto; truncated or another format)");
  if (model.ir_version() <= 0 || !model.has_graph() || model.graph().node_size() == 0)
    throw Error(what + ": not an ONNX model (no IR version or no graph nodes)");
  const int64_t opset = default_opset(model, what);
  const onnx::GraphProto& g = model.graph();
  const onnx::ValueInfoProto& input = image_input(g, what);
  int64_t c = 0, h = 0, w = 0;
  read_input_shape(input, options, what, c, h, w);
  if (g.output_size() != 1)
    throw Error(what + ": the graph has " + std::to_string(g.output_size()) + " outputs, expected one (class scores)");

  OnnxGraphBuilder builder(g, opset, what);
  builder.set_input(input.name(), c, h, w);
  for (int i = 0; i < g.node_size(); ++i) builder.map_node(i);
  return builder.finish(g.output(0).name(), options.classes);
}

}  // namespace

bool onnx_import_available() { return true; }

Checkpoint import_onnx(const std::string& bytes, const std::string& what, const OnnxImportOptions& options) {
  try {
    return import_model(bytes, what, options);
  } catch (const Error& e) {
    throw Error(one_line(e.what()));
  }
}

}  // namespace mpq
