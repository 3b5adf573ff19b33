// Runs a directory of ONNX backend test cases (Debian's libonnx-testdata: each case a
// directory with model.onnx and test_data_set_*/input_*.pb, output_0.pb) through
// io/onnx_import and float inference, for tests/io/test_onnx_conformance.cpp.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

namespace mpq_onnx_conformance {

namespace fs = std::filesystem;

enum class Cases {
  // data/node: only the single-node tests of the ops the import maps (the other ops'
  // tests, and the expanded tests that use them as building blocks, are not counted).
  supported_single_nodes,
  // data/pytorch-converted, data/pytorch-operator: every case, run or skipped with its reason.
  every_case,
};

struct Tally {
  int ran = 0, passed = 0;
  std::vector<std::string> skipped, failed;  // "case: reason"
};

// Every case under `root`, in name order: a case the import supports (skip_reason "")
// must import and match every data set's output within 1e-4 relative (absolute below 1).
// Prints one line per case run, then "ONNX <title> of supported ops: N ran, N passed,
// N skipped" and every skipped and failed case with its reason.
Tally run_suite(const fs::path& root, const std::string& title, Cases cases);

// Why the import cannot run this case, or "" when it must.
std::string skip_reason(const onnx::ModelProto& m);

// The case's model as an exported model would be: its data inputs after the first (the
// weights of the node tests) become initializers from the first data set, and opsets
// before 11 are read as 11 (`note` says so).
std::string as_importable(onnx::ModelProto m, const fs::path& dir, std::string& note);

}  // namespace mpq_onnx_conformance
