#include "onnx_conformance_runner.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/io/onnx_import.hpp"
#include "libmpq/io/onnx_tensors.hpp"
#include "libmpq/nn/model_builders.hpp"

namespace mpq_onnx_conformance {

namespace {

using mpq::onnx_io::attribute_float;
using mpq::onnx_io::attribute_int;
using mpq::onnx_io::attribute_ints;
using mpq::onnx_io::attribute_string;

// The ops whose node tests count (docs/import.md lists them).
const std::set<std::string> kSupportedOps = {"Conv", "BatchNormalization", "Relu", "Clip", "Add",
                                             "GlobalAveragePool", "AveragePool", "MaxPool"};
// What else the import maps on activations (the classifier end, no-ops, shapes and pads).
const std::set<std::string> kAlsoMapped = {"Pad",      "Flatten", "Reshape",  "Gemm", "MatMul",
                                           "Identity", "Dropout", "Constant", "Shape"};
// Ops the import folds only when every input is a constant (computed shapes and pads).
const std::set<std::string> kConstantOnly = {"ConstantOfShape", "Concat", "Slice", "Transpose", "Cast",
                                             "Gather",          "Unsqueeze", "Squeeze"};

std::string dims_text(const std::vector<int64_t>& v) {
  std::string s;
  for (int64_t d : v) s += (s.empty() ? "" : "x") + std::to_string(d);
  return s;
}

bool is_initializer(const onnx::GraphProto& g, const std::string& name) {
  for (const auto& t : g.initializer())
    if (t.name() == name) return true;
  return false;
}

// The graph inputs the test data feeds (older exports also list their initializers).
std::vector<const onnx::ValueInfoProto*> data_inputs(const onnx::GraphProto& g) {
  std::vector<const onnx::ValueInfoProto*> out;
  for (const auto& in : g.input())
    if (!is_initializer(g, in.name())) out.push_back(&in);
  return out;
}

bool has_op(const onnx::GraphProto& g, std::initializer_list<const char*> ops) {
  for (const auto& n : g.node())
    for (const char* op : ops)
      if (n.op_type() == op) return true;
  return false;
}

// The ops the import does not map here, in graph order: unknown ones, and those it folds
// only on constants when they read an activation.
std::vector<std::string> unmapped_ops(const onnx::GraphProto& g) {
  std::set<std::string> constants;
  for (const auto& t : g.initializer()) constants.insert(t.name());
  std::vector<std::string> out;
  for (const auto& n : g.node()) {
    const std::string& op = n.op_type();
    bool all_constant = true;
    for (const auto& name : n.input()) all_constant = all_constant && (name.empty() || constants.count(name));
    if (op == "Constant" || (kConstantOnly.count(op) && all_constant)) {
      constants.insert(n.output().begin(), n.output().end());
      continue;
    }
    std::string problem;
    if (kConstantOnly.count(op)) problem = op + " on an activation";
    else if (!kSupportedOps.count(op) && !kAlsoMapped.count(op)) problem = op;
    if (!problem.empty() && std::find(out.begin(), out.end(), problem) == out.end()) out.push_back(problem);
  }
  return out;
}

// Why one node the import maps cannot be run as this test has it, or "".
std::string node_reason(const onnx::GraphProto& g, const onnx::ValueInfoProto& input, const onnx::NodeProto& n,
                        int64_t opset) {
  const std::string& op = n.op_type();
  if (attribute_int(n, "training_mode", 0) != 0) return "BatchNormalization training_mode 1";
  // Before opset 7, BatchNormalization said inference with is_test 1.
  if (op == "BatchNormalization" && opset < 7 && attribute_int(n, "is_test", 0) == 0)
    return "BatchNormalization is_test 0 (training)";
  if (attribute_int(n, "ceil_mode", 0) != 0) return "ceil_mode 1";
  for (int64_t d : attribute_ints(n, "dilations"))
    if (d != 1) return "dilations " + dims_text(attribute_ints(n, "dilations"));
  if (n.output_size() > 1) return "a second output (" + n.output(1) + ")";
  if (op == "Pad") {
    const std::string mode = attribute_string(n, "mode", "constant");
    if (mode != "constant") return "Pad mode " + mode + " (only constant zeros)";
    const float value = attribute_float(n, "value", 0.f);
    if (value != 0.f) return "Pad value " + std::to_string(value) + " (only zeros)";
    // The import folds a Pad's zeros into the window of the Conv or AveragePool reading it.
    bool read = false, by_window = true;
    for (const auto& r : g.node())
      for (const auto& name : r.input())
        if (name == n.output(0)) {
          read = true;
          by_window = by_window && (r.op_type() == "Conv" || r.op_type() == "AveragePool");
        }
    if (!read || !by_window) return "Pad not followed by a Conv or AveragePool";
  }
  // (Only a Flatten of the input itself: no case here flattens a computed map.)
  if (op == "Flatten" && n.input(0) == input.name()) {
    const auto& shape = input.type().tensor_type().shape();
    const std::vector<int64_t> chw = {shape.dim(1).dim_value(), shape.dim(2).dim_value(), shape.dim(3).dim_value()};
    if (chw[1] * chw[2] != 1) return "Flatten of a " + dims_text(chw) + " map (only 1x1, after global pooling)";
  }
  return "";
}

int64_t default_opset(const onnx::ModelProto& m) {
  for (const auto& o : m.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") return o.version();
  return 0;
}

onnx::TensorProto read_tensor(const fs::path& path) {
  onnx::TensorProto t;
  if (!t.ParseFromString(mpq::read_file(path.string()))) throw mpq::Error(path.string() + ": not a TensorProto");
  return t;
}

// NCHW -> the project's NHWC.
mpq::Tensor nhwc_input(const mpq::onnx_io::FloatTensor& t) {
  const int64_t n = t.dims[0], c = t.dims[1], h = t.dims[2], w = t.dims[3];
  mpq::Tensor x({n, h, w, c});
  for (int64_t i = 0; i < n; ++i)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t k = 0; k < h * w; ++k) x[(i * h * w + k) * c + ch] = t.values[static_cast<size_t>((i * c + ch) * h * w + k)];
  return x;
}

// The model's output (NHWC, or [N, C] after global pooling) in ONNX's NCHW order.
std::vector<float> nchw_output(const mpq::Tensor& y) {
  if (y.rank() != 4) return {y.data(), y.data() + y.size()};
  const int64_t n = y.dim(0), h = y.dim(1), w = y.dim(2), c = y.dim(3);
  std::vector<float> out(static_cast<size_t>(y.size()));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t k = 0; k < h * w; ++k) out[static_cast<size_t>((i * c + ch) * h * w + k)] = y[(i * h * w + k) * c + ch];
  return out;
}

// "" when every data set's output matches within 1e-4 relative (absolute below 1).
std::string run_case(const fs::path& dir, const std::string& bytes) {
  const std::string name = dir.filename().string();
  const mpq::Checkpoint imported = mpq::import_onnx(bytes, name, {});
  // Through the checkpoint's bytes, as `mpq import` and then `mpq run` would.
  const mpq::Checkpoint ckpt = mpq::decode_checkpoint(mpq::encode_checkpoint(imported), name);
  mpq::Model model = mpq::build_model(ckpt.spec, 1);
  mpq::restore_model(ckpt, model, name);
  for (const auto& set : fs::directory_iterator(dir)) {
    if (set.path().filename().string().rfind("test_data_set_", 0) != 0) continue;
    const auto x = mpq::onnx_io::read_float_tensor(read_tensor(set.path() / "input_0.pb"), name);
    const auto want = mpq::onnx_io::read_float_tensor(read_tensor(set.path() / "output_0.pb"), name);
    const std::vector<float> got = nchw_output(model.forward(nhwc_input(x), false));
    if (got.size() != want.values.size())
      return std::to_string(got.size()) + " outputs, expected " + dims_text(want.dims);
    for (size_t i = 0; i < got.size(); ++i) {
      const float e = want.values[i];
      if (!(std::fabs(got[i] - e) <= 1e-4f * std::max(1.f, std::fabs(e))))
        return "output " + std::to_string(i) + " is " + std::to_string(got[i]) + ", expected " + std::to_string(e);
    }
  }
  return "";
}

}  // namespace

std::string skip_reason(const onnx::ModelProto& m) {
  const onnx::GraphProto& g = m.graph();
  const std::vector<const onnx::ValueInfoProto*> inputs = data_inputs(g);
  if (inputs.empty()) return "no data input";
  const auto& type = inputs[0]->type().tensor_type();
  const int rank = type.shape().dim_size();
  const bool pool = has_op(g, {"AveragePool", "MaxPool"}), conv = has_op(g, {"Conv"});
  if (pool && rank == 5) return "3-D pooling";
  if (pool && rank == 3) return "1-D pooling";
  if (conv && rank == 5) return "3-D convolution";
  if (conv && rank == 3) return "1-D convolution";
  if (rank != 4) return "input of rank " + std::to_string(rank) + " (only N x C x H x W)";
  if (type.elem_type() != onnx::TensorProto::FLOAT)
    return "input of element type " + std::to_string(type.elem_type()) + " (only float)";
  const std::vector<std::string> ops = unmapped_ops(g);
  if (!ops.empty()) {
    std::string s = ops.size() == 1 ? "op " : "ops ";
    for (size_t i = 0; i < ops.size(); ++i) s += (i ? ", " : "") + ops[i];
    return s + " not supported";
  }
  for (const auto& n : g.node()) {
    const std::string reason = node_reason(g, *inputs[0], n, default_opset(m));
    if (!reason.empty()) return reason;
  }
  return "";
}

std::string as_importable(onnx::ModelProto m, const fs::path& dir, std::string& note) {
  onnx::GraphProto& g = *m.mutable_graph();
  const std::vector<const onnx::ValueInfoProto*> inputs = data_inputs(g);
  std::vector<onnx::TensorProto> weights;
  for (size_t i = 1; i < inputs.size(); ++i) {
    weights.push_back(read_tensor(dir / "test_data_set_0" / ("input_" + std::to_string(i) + ".pb")));
    weights.back().set_name(inputs[i]->name());
  }
  for (auto& t : weights) *g.add_initializer() = std::move(t);
  // The ops run here mean the same at opset 11 as at the older opsets these tests were
  // written at (PyTorch's at 6, GlobalAveragePool's node tests at 1): the attributes they
  // gained since (count_include_pad, ceil_mode, storage_order, training_mode) default to
  // the old behaviour, and is_test 1 (checked in node_reason) is what opset 7 made the only one.
  for (auto& o : *m.mutable_opset_import())
    if ((o.domain().empty() || o.domain() == "ai.onnx") && o.version() < 11) {
      note = " (opset " + std::to_string(o.version()) + " read as 11)";
      o.set_version(11);
    }
  return m.SerializeAsString();
}

Tally run_suite(const fs::path& root, const std::string& title, Cases cases) {
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(root))
    if (fs::exists(e.path() / "model.onnx")) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  Tally t;
  for (const fs::path& dir : dirs) {
    const std::string name = dir.filename().string();
    onnx::ModelProto m;
    if (!m.ParseFromString(mpq::read_file((dir / "model.onnx").string()))) {
      t.failed.push_back(name + ": model.onnx is not a ModelProto");
      continue;
    }
    if (cases == Cases::supported_single_nodes &&
        (m.graph().node_size() != 1 || !kSupportedOps.count(m.graph().node(0).op_type())))
      continue;
    const std::string reason = skip_reason(m);
    if (!reason.empty()) {
      t.skipped.push_back(name + ": " + reason);
      continue;
    }
    ++t.ran;
    std::string note, problem;
    try {
      problem = run_case(dir, as_importable(m, dir, note));
    } catch (const mpq::Error& e) {
      problem = e.what();
    }
    std::printf("%-55s %s%s\n", name.c_str(), problem.empty() ? "pass" : "FAIL", note.c_str());
    if (problem.empty()) ++t.passed;
    else t.failed.push_back(name + ": " + problem);
  }
  std::printf("ONNX %s of supported ops: %d ran, %d passed, %zu skipped\n", title.c_str(), t.ran, t.passed,
              t.skipped.size());
  for (const auto& s : t.skipped) std::printf("  skipped %s\n", s.c_str());
  for (const auto& f : t.failed) std::printf("  FAILED %s\n", f.c_str());
  return t;
}

}  // namespace mpq_onnx_conformance
