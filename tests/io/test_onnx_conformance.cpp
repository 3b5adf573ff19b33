// Conformance against ONNX's own backend node tests (Debian's libonnx-testdata), a suite
// nobody here wrote: every single-node test of an op the import supports whose input is a
// 4-D N x C x H x W float tensor is imported with io/onnx_import (its weights, which the
// tests pass as graph inputs, become initializers), run in float, and compared with the
// expected output within 1e-4 relative. Cases the import does not support are skipped
// with their reason; a case this file counts as supported must import and pass.
// Without the package the test prints why and exits 77 (meson: SKIP).
#define BOOST_TEST_MODULE onnx_conformance
#define BOOST_TEST_NO_MAIN
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/io/onnx_import.hpp"
#include "libmpq/io/onnx_tensors.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/quant/quant_graph.hpp"

namespace {

namespace fs = std::filesystem;
using mpq::onnx_io::attribute_int;
using mpq::onnx_io::attribute_ints;

const std::set<std::string> kSupportedOps = {"Conv", "BatchNormalization", "Relu", "Clip", "Add",
                                             "GlobalAveragePool", "AveragePool", "MaxPool"};

std::string dims_text(const std::vector<int64_t>& v) {
  std::string s;
  for (int64_t d : v) s += (s.empty() ? "" : "x") + std::to_string(d);
  return s;
}

// Why the import cannot run this node test, or "" when it must.
std::string skip_reason(const onnx::ModelProto& m) {
  const onnx::GraphProto& g = m.graph();
  const onnx::NodeProto& n = g.node(0);
  const auto& type = g.input(0).type().tensor_type();
  const int rank = type.shape().dim_size();
  const bool pool = n.op_type() == "AveragePool" || n.op_type() == "MaxPool";
  if (pool && rank == 5) return "3-D pooling";
  if (pool && rank == 3) return "1-D pooling";
  if (rank != 4) return "input of rank " + std::to_string(rank) + " (only N x C x H x W)";
  if (type.elem_type() != onnx::TensorProto::FLOAT)
    return "input of element type " + std::to_string(type.elem_type()) + " (only float)";
  if (attribute_int(n, "training_mode", 0) != 0) return "BatchNormalization training_mode 1";
  if (attribute_int(n, "ceil_mode", 0) != 0) return "ceil_mode 1";
  for (int64_t d : attribute_ints(n, "dilations"))
    if (d != 1) return "dilations " + dims_text(attribute_ints(n, "dilations"));
  if (n.output_size() > 1) return "a second output (" + n.output(1) + ")";
  return "";
}

onnx::TensorProto read_tensor(const fs::path& path) {
  onnx::TensorProto t;
  if (!t.ParseFromString(mpq::read_file(path.string()))) throw mpq::Error(path.string() + ": not a TensorProto");
  return t;
}

// The test's model with its weight inputs (graph inputs 1..) turned into initializers
// from the first data set, as an exported model holds them. Opsets before 11 are raised
// to 11 (the import reads 11 to 17): the ops tested here did not change in between.
std::string as_importable(onnx::ModelProto m, const fs::path& dir, std::string& note) {
  onnx::GraphProto& g = *m.mutable_graph();
  for (int i = 1; i < g.input_size(); ++i) {
    onnx::TensorProto t = read_tensor(dir / "test_data_set_0" / ("input_" + std::to_string(i) + ".pb"));
    t.set_name(g.input(i).name());
    *g.add_initializer() = t;
  }
  for (auto& o : *m.mutable_opset_import())
    if ((o.domain().empty() || o.domain() == "ai.onnx") && o.version() < 11) {
      note = " (opset " + std::to_string(o.version()) + " read as 11)";
      o.set_version(11);
    }
  return m.SerializeAsString();
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

std::string g_node_dir;

}  // namespace

BOOST_AUTO_TEST_CASE(every_supported_4d_node_test_matches_onnx_expected_output) {
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(g_node_dir))
    if (fs::exists(e.path() / "model.onnx")) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  int ran = 0, passed = 0;
  std::vector<std::string> skipped, failed;
  for (const fs::path& dir : dirs) {
    onnx::ModelProto m;
    BOOST_REQUIRE(m.ParseFromString(mpq::read_file((dir / "model.onnx").string())));
    // Cases of the supported ops: single-node tests (the expanded tests of other ops use
    // them as building blocks, among ops the import does not map).
    if (m.graph().node_size() != 1 || !kSupportedOps.count(m.graph().node(0).op_type())) continue;
    const std::string name = dir.filename().string();
    const std::string reason = skip_reason(m);
    if (!reason.empty()) {
      skipped.push_back(name + ": " + reason);
      continue;
    }
    ++ran;
    std::string note, problem;
    try {
      problem = run_case(dir, as_importable(m, dir, note));
    } catch (const mpq::Error& e) {
      problem = e.what();
    }
    std::printf("%-55s %s%s\n", name.c_str(), problem.empty() ? "pass" : "FAIL", note.c_str());
    if (problem.empty()) ++passed;
    else failed.push_back(name + ": " + problem);
  }
  std::printf("ONNX node tests of supported ops: %d ran, %d passed, %zu skipped\n", ran, passed, skipped.size());
  for (const auto& s : skipped) std::printf("  skipped %s\n", s.c_str());
  for (const auto& f : failed) std::printf("  FAILED %s\n", f.c_str());
  BOOST_TEST(failed.empty());
  BOOST_TEST(ran >= 28);  // the 4-D float cases of libonnx-testdata 1.12: a lost case fails
}

// Windows that are not square (asymmetric padding, SAME padding, pools padded by more than
// half the kernel) become integer ops like square ones: quantization stops at these node
// tests only because they do not end in a classifier.
BOOST_AUTO_TEST_CASE(quantization_takes_windows_that_are_not_square) {
  for (const char* name : {"test_conv_with_strides_and_asymmetric_padding", "test_averagepool_2d_same_upper",
                           "test_maxpool_2d_pads"}) {
    const fs::path dir = fs::path(g_node_dir) / name;
    onnx::ModelProto m;
    BOOST_REQUIRE(m.ParseFromString(mpq::read_file((dir / "model.onnx").string())));
    std::string note;
    const mpq::Checkpoint ckpt = mpq::import_onnx(as_importable(m, dir, note), name, {});
    mpq::Model model = mpq::build_model(ckpt.spec, 1);
    std::string error;
    try {
      mpq::build_quant_graph(model);
    } catch (const mpq::Error& e) {
      error = e.what();
    }
    BOOST_TEST_INFO(name << ": " << error);
    BOOST_TEST(error == "quantization: the model must end with a linear classifier");
    // Nor does a node test end in class scores: training and evaluation refuse it.
    BOOST_TEST(ckpt.spec.classes == 0);
    BOOST_CHECK_THROW(mpq::require_class_output(ckpt.spec, name), mpq::Error);
  }
}

int main(int argc, char* argv[]) {
  g_node_dir = MPQ_ONNX_NODE_TESTS;
  if (!fs::is_directory(g_node_dir)) {
    std::printf("SKIP: %s is missing (install Debian's libonnx-testdata)\n", g_node_dir.c_str());
    return 77;
  }
  return boost::unit_test::unit_test_main(&init_unit_test, argc, argv);
}
