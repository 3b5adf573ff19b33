// PyTorch equivalence: torchvision-style weights imported into our models give PyTorch's
// logits; import -> export -> import is byte-identical; wrong files name the tensor.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "libmpq/io/torch_weights.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "torch_fixtures.hpp"

using namespace mpq;
using mpq::test::contains;
using mpq::test::error_message;
using mpq::test::load_torch_fixture;
using mpq::test::TorchFixture;

namespace {

// Largest |a - b| relative to the largest |b|.
template <typename A, typename B>
double relative_difference(const A& a, const B& b, size_t n) {
  double diff = 0, scale = 0;
  for (size_t i = 0; i < n; ++i) {
    diff = std::max(diff, std::abs(static_cast<double>(a[i]) - static_cast<double>(b[i])));
    scale = std::max(scale, std::abs(static_cast<double>(b[i])));
  }
  return diff / scale;
}

// Logits of our model with the fixture's weights imported, against PyTorch's: the largest
// difference relative to the largest PyTorch logit must stay within 1e-4. The float64
// figures show how much of it is float32 rounding on either side.
void check_logits_match_pytorch(const std::string& name) {
  const TorchFixture f = load_torch_fixture(name);
  const Checkpoint ckpt = import_torch_weights(f.spec, f.weights, f.weights_path);
  Model model = build_model(ckpt.spec, 99);
  restore_model(ckpt, model, "imported");
  const Tensor& logits = model.forward(f.input_nhwc, false);
  BOOST_REQUIRE(logits.shape() == f.logits.shape());
  const size_t n = static_cast<size_t>(logits.size());
  BOOST_REQUIRE(f.logits_f64.size() == n);
  const double vs_torch = relative_difference(logits, f.logits, n);
  BOOST_TEST_MESSAGE(name << " (" << f.spec.to_string() << "): relative logit difference to PyTorch float32 "
                          << vs_torch << "; to PyTorch float64: ours " << relative_difference(logits, f.logits_f64, n)
                          << ", PyTorch float32 " << relative_difference(f.logits, f.logits_f64, n));
  BOOST_TEST(vs_torch <= 1e-4, name << ": relative logit difference " << vs_torch);
}

std::string checkpoint_bytes(const Checkpoint& c) { return encode_checkpoint(c); }

SafetensorsFile without(SafetensorsFile file, const std::string& name) {
  file.tensors.erase(std::remove_if(file.tensors.begin(), file.tensors.end(),
                                    [&](const SafetensorsTensor& t) { return t.name == name; }),
                     file.tensors.end());
  return file;
}

SafetensorsTensor& tensor(SafetensorsFile& file, const std::string& name) {
  for (auto& t : file.tensors)
    if (t.name == name) return t;
  BOOST_FAIL("fixture has no tensor " << name);
  throw;
}

std::string import_error(const TorchFixture& f, const SafetensorsFile& file) {
  return error_message([&] { import_torch_weights(f.spec, file, "w.safetensors"); });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(torch_weights)

BOOST_AUTO_TEST_CASE(mobilenet_v1_logits_match_pytorch) { check_logits_match_pytorch("mobilenet_v1"); }
BOOST_AUTO_TEST_CASE(mobilenet_v2_logits_match_torchvision) { check_logits_match_pytorch("mobilenet_v2"); }
BOOST_AUTO_TEST_CASE(mnasnet_logits_match_torchvision) { check_logits_match_pytorch("mnasnet"); }

BOOST_AUTO_TEST_CASE(import_export_import_is_byte_identical) {
  for (const char* const* name = test::torch_fixture_names(); *name; ++name) {
    const TorchFixture f = load_torch_fixture(*name);
    const Checkpoint first = import_torch_weights(f.spec, f.weights, f.weights_path);
    const std::string exported = encode_safetensors(export_torch_weights(first, "first"));
    const Checkpoint second = import_torch_weights(f.spec, decode_safetensors(exported, "exported"), "exported");
    BOOST_TEST((checkpoint_bytes(first) == checkpoint_bytes(second)), *name);
    BOOST_TEST((encode_safetensors(export_torch_weights(second, "second")) == exported), *name);
  }
}

BOOST_AUTO_TEST_CASE(export_reproduces_the_pytorch_file_byte_for_byte) {
  // The F32 fixture: what PyTorch saved is exactly what export-weights writes back.
  const TorchFixture f = load_torch_fixture("mobilenet_v1");
  const Checkpoint ckpt = import_torch_weights(f.spec, f.weights, f.weights_path);
  BOOST_TEST((encode_safetensors(export_torch_weights(ckpt, "ckpt")) == f.weights_bytes));
}

BOOST_AUTO_TEST_CASE(imported_checkpoint_is_a_float_checkpoint_at_epoch_0) {
  const TorchFixture f = load_torch_fixture("mnasnet");
  const Checkpoint ckpt = import_torch_weights(f.spec, f.weights, f.weights_path);
  BOOST_TEST(ckpt.meta_or("kind", "") == "float");
  BOOST_TEST(ckpt.meta_or("epoch", "") == "0");
  BOOST_TEST(ckpt.spec.to_string() == f.spec.to_string());
  BOOST_TEST(ckpt.find("layers.1.gamma") != nullptr);
  BOOST_TEST(ckpt.find("layers.1.running_var") != nullptr);
}

BOOST_AUTO_TEST_CASE(conv_weights_are_transposed_between_oihw_and_ohwi) {
  ModelSpec spec;  // mobilenet_v1 w0.25 1x32x32: stem conv 8 x 1 x 3 x 3
  Model model = build_model(spec, 5);
  Checkpoint ckpt;
  capture_model(model, ckpt);
  ckpt.meta["kind"] = "float";
  const SafetensorsFile file = export_torch_weights(ckpt, "ckpt");
  const Tensor& ours = *ckpt.find("features.1.3.weight");  // pointwise [16, 1, 1, 8]
  const SafetensorsTensor* theirs = file.find("features.1.3.weight");
  BOOST_REQUIRE(theirs);
  BOOST_TEST(theirs->shape == (Shape{16, 8, 1, 1}));
  const Tensor& dw = *ckpt.find("features.1.0.weight");  // depthwise [8, 3, 3, 1]
  const std::vector<float> dw_torch = safetensors_to_floats(*file.find("features.1.0.weight"), "f");
  BOOST_TEST(file.find("features.1.0.weight")->shape == (Shape{8, 1, 3, 3}));
  const std::vector<float> pw_torch = safetensors_to_floats(*theirs, "f");
  for (int64_t i = 0; i < ours.size(); ++i) BOOST_TEST(pw_torch[static_cast<size_t>(i)] == ours[i]);
  for (int64_t i = 0; i < dw.size(); ++i) BOOST_TEST(dw_torch[static_cast<size_t>(i)] == dw[i]);

  const Tensor& stem = *ckpt.find("features.0.0.weight");  // [8, 3, 3, 1]; ours [o][y][x][i]
  const std::vector<float> stem_torch = safetensors_to_floats(*file.find("features.0.0.weight"), "f");
  BOOST_TEST(stem_torch[(2 * 1 + 0) * 9 + 1 * 3 + 2] == stem[((2 * 3 + 1) * 3 + 2) * 1 + 0]);
  // A general conv (in > 1, k > 1): mobilenet_v2 at 3 channels.
  ModelSpec v2;
  v2.arch = "mobilenet_v2";
  v2.in_channels = 3;
  Model m2 = build_model(v2, 6);
  Checkpoint c2;
  capture_model(m2, c2);
  const SafetensorsFile f2 = export_torch_weights(c2, "c2");
  const Tensor& w = *c2.find("features.0.0.weight");  // [8, 3, 3, 3] OHWI
  const std::vector<float> t = safetensors_to_floats(*f2.find("features.0.0.weight"), "f");
  for (int64_t o = 0; o < 8; ++o)
    for (int64_t i = 0; i < 3; ++i)
      for (int64_t y = 0; y < 3; ++y)
        for (int64_t x = 0; x < 3; ++x)
          BOOST_TEST(t[static_cast<size_t>(((o * 3 + i) * 3 + y) * 3 + x)] == w[((o * 3 + y) * 3 + x) * 3 + i]);
}

BOOST_AUTO_TEST_CASE(bn_parameters_are_pytorch_weight_and_bias) {
  const TorchFixture f = load_torch_fixture("mobilenet_v1");
  const Checkpoint ckpt = import_torch_weights(f.spec, f.weights, f.weights_path);
  const Tensor& gamma = *ckpt.find("features.3.4.gamma");
  const std::vector<float> weight = safetensors_to_floats(*f.weights.find("features.3.4.weight"), "f");
  const std::vector<float> var = safetensors_to_floats(*f.weights.find("features.3.4.running_var"), "f");
  for (int64_t i = 0; i < gamma.size(); ++i) {
    BOOST_TEST(gamma[i] == weight[static_cast<size_t>(i)]);
    BOOST_TEST((*ckpt.find("features.3.4.running_var"))[i] == var[static_cast<size_t>(i)]);
  }
}

BOOST_AUTO_TEST_CASE(a_missing_tensor_is_named_with_its_shape) {
  const TorchFixture f = load_torch_fixture("mobilenet_v2");
  const std::string msg = import_error(f, without(f.weights, "features.3.conv.1.1.running_mean"));
  BOOST_TEST(contains(msg, "w.safetensors: missing tensor 'features.3.conv.1.1.running_mean' of shape [48]"), msg);
}

BOOST_AUTO_TEST_CASE(an_extra_tensor_is_named) {
  const TorchFixture f = load_torch_fixture("mobilenet_v1");
  SafetensorsFile file = f.weights;
  const float x = 1.f;
  file.tensors.push_back(safetensors_from_floats("features.14.0.weight", {1}, &x));
  const std::string msg = import_error(f, file);
  BOOST_TEST(contains(msg, "unexpected tensor 'features.14.0.weight', not part of mobilenet_v1"), msg);
}

BOOST_AUTO_TEST_CASE(a_wrong_shape_is_named_with_both_shapes) {
  const TorchFixture f = load_torch_fixture("mnasnet");
  SafetensorsFile file = f.weights;
  SafetensorsTensor& t = tensor(file, "classifier.1.bias");
  t.shape = {2, 2};
  const std::string msg = import_error(f, file);
  BOOST_TEST(contains(msg, "tensor 'classifier.1.bias' has shape [2x2], expected [4]"), msg);
}

BOOST_AUTO_TEST_CASE(a_wrong_model_is_reported_by_the_first_missing_tensor) {
  const TorchFixture f = load_torch_fixture("mobilenet_v2");
  ModelSpec wider = f.spec;
  wider.width = 1.0f;
  const std::string msg = error_message([&] { import_torch_weights(wider, f.weights, "w.safetensors"); });
  BOOST_TEST(contains(msg, "tensor 'features.0.0.weight' has shape [8x3x3x3], expected [32x3x3x3]"), msg);
  ModelSpec other = f.spec;
  other.arch = "mnasnet";
  const std::string other_msg = error_message([&] { import_torch_weights(other, f.weights, "w.safetensors"); });
  BOOST_TEST(contains(other_msg, "missing tensor 'layers.0.weight'"), other_msg);
}

BOOST_AUTO_TEST_CASE(a_non_float_weight_dtype_is_named) {
  const TorchFixture f = load_torch_fixture("mobilenet_v1");
  SafetensorsFile file = f.weights;
  tensor(file, "classifier.weight").dtype = SafetensorsDtype::I32;
  const std::string msg = import_error(f, file);
  BOOST_TEST(contains(msg, "tensor 'classifier.weight' has dtype I32, expected a float type"), msg);
}

BOOST_AUTO_TEST_CASE(num_batches_tracked_is_optional_any_integer_and_ignored) {
  const TorchFixture f = load_torch_fixture("mobilenet_v1");
  const std::string reference = checkpoint_bytes(import_torch_weights(f.spec, f.weights, "w"));
  SafetensorsFile counted = f.weights;
  tensor(counted, "features.0.1.num_batches_tracked").data = std::string("\x39\x30\0\0\0\0\0\0", 8);
  BOOST_TEST((checkpoint_bytes(import_torch_weights(f.spec, counted, "w")) == reference));
  SafetensorsFile absent = without(f.weights, "features.0.1.num_batches_tracked");
  BOOST_TEST((checkpoint_bytes(import_torch_weights(f.spec, absent, "w")) == reference));

  SafetensorsFile as_float = f.weights;
  SafetensorsTensor& t = tensor(as_float, "features.2.4.num_batches_tracked");
  t.dtype = SafetensorsDtype::F64;
  const std::string msg = import_error(f, as_float);
  BOOST_TEST(contains(msg, "tensor 'features.2.4.num_batches_tracked' has dtype F64, expected an integer scalar"), msg);
}

BOOST_AUTO_TEST_CASE(double_weights_import_like_float_ones) {
  const TorchFixture f = load_torch_fixture("mobilenet_v1");
  SafetensorsFile doubled = f.weights;
  for (auto& t : doubled.tensors) {
    if (t.dtype != SafetensorsDtype::F32) continue;
    std::vector<float> v = safetensors_to_floats(t, "f");
    std::string bytes;
    for (float x : v) {
      const double d = x;
      bytes.append(reinterpret_cast<const char*>(&d), 8);
    }
    t.dtype = SafetensorsDtype::F64;
    t.data = bytes;
  }
  BOOST_TEST((checkpoint_bytes(import_torch_weights(f.spec, doubled, "w")) ==
              checkpoint_bytes(import_torch_weights(f.spec, f.weights, "w"))));
}

BOOST_AUTO_TEST_CASE(export_refuses_quantized_and_incomplete_checkpoints) {
  const TorchFixture f = load_torch_fixture("mobilenet_v1");
  Checkpoint ckpt = import_torch_weights(f.spec, f.weights, "w");
  Checkpoint finetuned = ckpt;
  finetuned.meta["kind"] = "finetune";
  BOOST_TEST(contains(error_message([&] { export_torch_weights(finetuned, "q.mpqc"); }),
                      "q.mpqc: is a 'finetune' checkpoint; export-weights takes float checkpoints"));
  Checkpoint incomplete = ckpt;
  incomplete.tensors.erase(incomplete.tensors.begin());
  BOOST_TEST(contains(error_message([&] { export_torch_weights(incomplete, "c.mpqc"); }),
                      "c.mpqc: missing tensor 'features.0.0.weight'"));
}

BOOST_AUTO_TEST_SUITE_END()
