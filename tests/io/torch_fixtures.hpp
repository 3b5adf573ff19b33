// Shared by the tests/io suites: the PyTorch fixtures of tests/fixtures/torch (written by
// tests/tools/make_torch_fixtures.py) and small helpers for error-message checks.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "libmpq/io/safetensors.hpp"
#include "libmpq/nn/model_spec.hpp"

namespace mpq::test {

// One model: its weights as PyTorch saved them, the model spec `mpq import` needs
// (from the io file's metadata), a fixed input batch (converted to NHWC) and PyTorch's
// eval-mode logits for it, computed in float32 and in float64.
struct TorchFixture {
  std::string name;
  std::string weights_path;
  std::string weights_bytes;
  SafetensorsFile weights;
  ModelSpec spec;
  Tensor input_nhwc;
  Tensor logits;
  std::vector<double> logits_f64;
};

const char* const* torch_fixture_names();  // null-terminated: mobilenet_v1, mobilenet_v2, mnasnet
TorchFixture load_torch_fixture(const std::string& name);

// The message of the Error `fn` throws, or "" when it throws nothing.
std::string error_message(const std::function<void()>& fn);
bool contains(const std::string& text, const std::string& part);

}  // namespace mpq::test
