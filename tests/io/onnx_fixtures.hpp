#pragma once

#include <string>

namespace mpq_onnx_test {
// Where onnx_main.cpp had tests/io/make_onnx_fixtures.py write its models.
const std::string& fixture_dir();
}  // namespace mpq_onnx_test
