// Conformance against ONNX's own backend tests (Debian's libonnx-testdata), a suite nobody
// here wrote: every case of the ops the import supports whose input is a 4-D N x C x H x W
// float tensor is imported with io/onnx_import (a node test's weights, which it passes as
// graph inputs, become initializers), run in float, and compared with the expected output
// within 1e-4 relative (onnx_conformance_runner.cpp). The node tests count the single-node
// tests of the supported ops; the PyTorch-converted and PyTorch-operator tests count every
// case. Cases the import does not support are skipped with their reason; a case counted as
// supported must import and pass. Without the package the test prints why and exits 77
// (meson: SKIP).
#define BOOST_TEST_MODULE onnx_conformance
#define BOOST_TEST_NO_MAIN
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <filesystem>
#include <string>
#include <utility>

#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/io/onnx_import.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/quant/quant_graph.hpp"
#include "onnx_conformance_runner.hpp"

namespace {

namespace fs = std::filesystem;
using mpq_onnx_conformance::Cases;
using mpq_onnx_conformance::run_suite;

fs::path g_data_dir;  // libonnx-testdata's data/

}  // namespace

BOOST_AUTO_TEST_CASE(every_supported_4d_node_test_matches_onnx_expected_output) {
  const auto t = run_suite(g_data_dir / "node", "node tests", Cases::supported_single_nodes);
  BOOST_TEST(t.failed.empty());
  BOOST_TEST(t.ran >= 28);  // the 4-D float cases of libonnx-testdata 1.12: a lost case fails
}

// PyTorch's own exports of its modules and operators (opset 6, read as 11), the same
// runner; every case counts.
BOOST_AUTO_TEST_CASE(every_supported_4d_pytorch_test_matches_onnx_expected_output) {
  // The 4-D float cases of libonnx-testdata 1.12 the import supports: a lost case fails.
  const std::pair<const char*, int> dirs[] = {{"pytorch-converted", 16}, {"pytorch-operator", 1}};
  for (const auto& [dir, at_least] : dirs) {
    BOOST_REQUIRE_MESSAGE(fs::is_directory(g_data_dir / dir), (g_data_dir / dir).string() << " is missing");
    const auto t = run_suite(g_data_dir / dir, std::string(dir) + " tests", Cases::every_case);
    BOOST_TEST(t.failed.empty());
    BOOST_TEST(t.ran >= at_least, dir << ": " << t.ran << " ran");
  }
}

// Windows that are not square (asymmetric padding, SAME padding, pools padded by more than
// half the kernel) become integer ops like square ones: quantization stops at these node
// tests only because they do not end in a classifier.
BOOST_AUTO_TEST_CASE(quantization_takes_windows_that_are_not_square) {
  for (const char* name : {"test_conv_with_strides_and_asymmetric_padding", "test_averagepool_2d_same_upper",
                           "test_maxpool_2d_pads"}) {
    const fs::path dir = g_data_dir / "node" / name;
    onnx::ModelProto m;
    BOOST_REQUIRE(m.ParseFromString(mpq::read_file((dir / "model.onnx").string())));
    std::string note;
    const mpq::Checkpoint ckpt = mpq::import_onnx(mpq_onnx_conformance::as_importable(m, dir, note), name, {});
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
  g_data_dir = MPQ_ONNX_TESTDATA;
  if (!fs::is_directory(g_data_dir / "node")) {
    std::printf("SKIP: %s is missing (install Debian's libonnx-testdata)\n", (g_data_dir / "node").c_str());
    return 77;
  }
  return boost::unit_test::unit_test_main(&init_unit_test, argc, argv);
}
