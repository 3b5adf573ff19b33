// io/onnx_import: models exported by PyTorch import to graphs whose float logits are
// PyTorch's; files that are not ONNX, damaged, or use what the import cannot map are
// refused with one line naming the node.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <functional>

#include <nlohmann/json.hpp>

#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/io/onnx_import.hpp"
#include "libmpq/io/onnx_tensors.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "onnx_fixtures.hpp"

namespace {

using mpq_onnx_test::fixture_dir;

std::string path_of(const std::string& name) { return fixture_dir() + "/" + name; }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const mpq::Error& e) {
    return e.what();
  }
  return "";
}

std::string import_error(const std::string& bytes, const mpq::OnnxImportOptions& options = {}) {
  return error_of([&] { mpq::import_onnx(bytes, "m.onnx", options); });
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Imports NAME.onnx through a checkpoint's bytes (as `mpq import` then any command
// would) and checks its float logits against PyTorch's in NAME.json.
void check_logits_match_torch(const std::string& name) {
  const mpq::Checkpoint imported = mpq::import_onnx(mpq::read_file(path_of(name + ".onnx")), name, {});
  const mpq::Checkpoint ckpt = mpq::decode_checkpoint(mpq::encode_checkpoint(imported), name);
  mpq::Model model = mpq::build_model(ckpt.spec, 1);
  mpq::restore_model(ckpt, model, name);

  const auto j = nlohmann::json::parse(mpq::read_file(path_of(name + ".json")));
  const int64_t c = j["input"][0], h = j["input"][1], w = j["input"][2];
  const int64_t n = static_cast<int64_t>(j["images"].size());
  BOOST_TEST(ckpt.spec.in_channels == c);
  BOOST_TEST(ckpt.spec.classes == j["classes"].get<int64_t>());
  mpq::Tensor images({n, h, w, c});  // NCHW -> NHWC
  for (int64_t i = 0; i < n; ++i)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x)
          images[((i * h + y) * w + x) * c + ch] = j["images"][i][(ch * h + y) * w + x].get<float>();
  const mpq::Tensor& logits = model.forward(images, false);
  BOOST_REQUIRE(logits.dim(0) == n);
  float worst = 0.f;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < logits.dim(1); ++k) {
      const float want = j["logits"][i][k].get<float>();
      // Float sums in another order: 1e-4 relative to the logit (absolute below 1).
      worst = std::max(worst, std::fabs(logits[i * logits.dim(1) + k] - want) / std::max(1.f, std::fabs(want)));
    }
  BOOST_TEST(worst <= 1e-4f, name << ": worst relative difference " << worst);
}

onnx::ModelProto parsed(const std::string& name) {
  onnx::ModelProto m;
  BOOST_REQUIRE(m.ParseFromString(mpq::read_file(path_of(name))));
  return m;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(onnx_import)

BOOST_AUTO_TEST_CASE(residual_depthwise_bn_relu6_linear_logits_equal_torch) {
  check_logits_match_torch("residual_depthwise");
}

BOOST_AUTO_TEST_CASE(max_and_padded_average_pools_with_clip_and_dropout_equal_torch) {
  check_logits_match_torch("padded_pools");
}

BOOST_AUTO_TEST_CASE(matmul_plus_add_classifier_at_opset_17_equals_torch) { check_logits_match_torch("matmul_head"); }

BOOST_AUTO_TEST_CASE(zero_pad2d_and_view_with_computed_shapes_equal_torch) {
  check_logits_match_torch("zero_pad_view");
}

BOOST_AUTO_TEST_CASE(mlperf_tiny_ds_cnn_with_a_10x4_stride_2_same_padded_stem_equals_torch) {
  check_logits_match_torch("ds_cnn");
}

BOOST_AUTO_TEST_CASE(mlperf_tiny_resnet8_with_residual_stacks_and_strided_1x1_shortcuts_equals_torch) {
  check_logits_match_torch("resnet8");
  check_logits_match_torch("resnet8_fmnist");
}

BOOST_AUTO_TEST_CASE(mlperf_tiny_visual_wake_words_mobilenet_v1_0_25_equals_torch) {
  check_logits_match_torch("vww_mobilenet_v1");
}

// torchvision's definition (ReLU6 as Clip, inverted residuals, adaptive pooling, Dropout
// before the classifier), exported at 3x96x96.
BOOST_AUTO_TEST_CASE(torchvision_mobilenet_v2_equals_torch) { check_logits_match_torch("mobilenet_v2"); }

BOOST_AUTO_TEST_CASE(the_imported_graph_keeps_trainable_batch_norms) {
  const mpq::Checkpoint c = mpq::import_onnx(mpq::read_file(path_of("residual_depthwise.onnx")), "r", {});
  mpq::Model m = mpq::build_model(c.spec, 1);
  int bns = 0;
  for (size_t i = 0; i < m.size(); ++i) bns += m.node(i).layer->kind() == mpq::LayerKind::BatchNorm;
  BOOST_TEST(bns == 4);
}

BOOST_AUTO_TEST_CASE(files_that_are_not_onnx_are_refused_in_one_line) {
  BOOST_TEST(has(import_error(""), "m.onnx: not an ONNX model"));
  BOOST_TEST(has(import_error("{\"format\": \"mpq-policy\"}\n"), "m.onnx: not an ONNX model"));
  const std::string bytes = mpq::read_file(path_of("residual_depthwise.onnx"));
  const std::string cut = import_error(bytes.substr(0, bytes.size() / 2));
  BOOST_TEST(has(cut, "m.onnx: not an ONNX model"), cut);
  BOOST_TEST(cut.find('\n') == std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_initializer_of_the_wrong_size_is_refused_naming_it) {
  onnx::ModelProto m = parsed("residual_depthwise.onnx");
  onnx::TensorProto* t = m.mutable_graph()->mutable_initializer(0);
  BOOST_REQUIRE(t->has_raw_data());
  t->mutable_raw_data()->resize(t->raw_data().size() - 4);
  const std::string e = import_error(m.SerializeAsString());
  BOOST_TEST(has(e, "m.onnx: tensor '" + t->name() + "' holds"), e);
  BOOST_TEST(has(e, "its dims say"), e);
}

BOOST_AUTO_TEST_CASE(unsupported_nodes_and_attributes_are_named) {
  const std::string sigmoid = import_error(mpq::read_file(path_of("sigmoid.onnx")));
  BOOST_TEST(has(sigmoid, "(Sigmoid): op type 'Sigmoid' is not supported"), sigmoid);
  const std::string dilated = import_error(mpq::read_file(path_of("dilated.onnx")));
  BOOST_TEST(has(dilated, "(Conv): dilations 2x2 are not supported"), dilated);
  const std::string pad = import_error(mpq::read_file(path_of("pad_value.onnx")));
  BOOST_TEST(has(pad, "node 'pad_ones' (Pad): constant_value 1"), pad);

  // A name holding a line break still gives one line.
  onnx::ModelProto m = parsed("sigmoid.onnx");
  for (auto& n : *m.mutable_graph()->mutable_node())
    if (n.op_type() == "Sigmoid") n.set_name("bad\nname");
  const std::string e = import_error(m.SerializeAsString());
  BOOST_TEST(has(e, "node 'bad?name' (Sigmoid)"), e);
}

BOOST_AUTO_TEST_CASE(opsets_outside_11_to_17_are_refused) {
  onnx::ModelProto m = parsed("matmul_head.onnx");
  for (auto& o : *m.mutable_opset_import())
    if (o.domain().empty()) o.set_version(18);
  BOOST_TEST(has(import_error(m.SerializeAsString()), "ONNX opset 18, this import reads opsets 11 to 17"));
}

BOOST_AUTO_TEST_CASE(input_and_classes_options_override_and_check) {
  const std::string bytes = mpq::read_file(path_of("residual_depthwise.onnx"));
  mpq::OnnxImportOptions o;
  o.classes = 7;
  BOOST_TEST(has(import_error(bytes, o), "the graph outputs 10 classes, --classes says 7"));
  o = {};
  o.in_channels = 1;
  o.in_height = o.in_width = 24;  // fully convolutional up to the global pooling
  const mpq::Checkpoint c = mpq::import_onnx(bytes, "m.onnx", o);
  BOOST_TEST(c.spec.in_height == 24);
  o.in_channels = 3;
  BOOST_TEST(!import_error(bytes, o).empty());
}

BOOST_AUTO_TEST_SUITE_END()
