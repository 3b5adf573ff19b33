#include <boost/test/unit_test.hpp>

#include "libmpq/core/error.hpp"
#include "libmpq/nn/conv2d.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "nn/tiny_model.hpp"

namespace {

using mpq::test::imagenet_spec;

int64_t total_macs(const mpq::Model& m) {
  auto shapes = m.node_shapes(1);
  int64_t macs = 0;
  for (size_t i = 0; i < m.size(); ++i)
    macs += m.node(i).layer->macs(m.node_input_shapes(static_cast<int>(i), shapes));
  return macs;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(models)

// Trainable parameters (conv/linear weights and biases, BN gamma and beta) of the
// reference implementations at 3x224x224, 1000 classes, width 1.0:
// MobileNetV1 as in Howard et al. (Keras' MobileNet reports 4,231,976 trainable),
// torchvision's mobilenet_v2 3,504,872 and mnasnet1_0 4,383,312.
BOOST_AUTO_TEST_CASE(imagenet_parameter_counts_match_reference_implementations) {
  auto v1 = mpq::build_model(imagenet_spec("mobilenet_v1"));
  auto v2 = mpq::build_model(imagenet_spec("mobilenet_v2"));
  auto mn = mpq::build_model(imagenet_spec("mnasnet"));
  BOOST_TEST(v1.parameter_count() == 4231976);
  BOOST_TEST(v2.parameter_count() == 3504872);
  BOOST_TEST(mn.parameter_count() == 4383312);
}

// Published multiply-accumulate counts: MobileNetV1 569M (Howard et al., Table 1 gives
// 569 million), MobileNetV2 300M (Sandler et al.), MNasNet-A1 without SE ~ 315M
// (torchvision lists 0.31 GFLOPS for mnasnet1_0).
BOOST_AUTO_TEST_CASE(imagenet_macs_match_published_figures) {
  BOOST_TEST(std::abs(total_macs(mpq::build_model(imagenet_spec("mobilenet_v1"))) / 1e6 - 569) < 6);
  BOOST_TEST(std::abs(total_macs(mpq::build_model(imagenet_spec("mobilenet_v2"))) / 1e6 - 300) < 10);
  BOOST_TEST(std::abs(total_macs(mpq::build_model(imagenet_spec("mnasnet"))) / 1e6 - 315) < 15);
}

BOOST_AUTO_TEST_CASE(small_input_variant_ends_at_2x2_for_32_and_28_pixel_inputs) {
  for (const char* arch : {"mobilenet_v1", "mobilenet_v2", "mnasnet"})
    for (int64_t size : {32, 28}) {
      mpq::ModelSpec s;
      s.arch = arch;
      s.in_height = s.in_width = size;
      mpq::set_default_stem(s);
      BOOST_TEST(s.small_input);
      auto m = mpq::build_model(s);
      auto shapes = m.node_shapes(2);
      // The global pool's input is the last 4-D tensor.
      int pool = m.find("pool");
      BOOST_REQUIRE(pool > 0);
      auto in = m.node_input_shapes(pool, shapes, 2)[0];
      BOOST_TEST(in[1] == 2);
      BOOST_TEST(in[2] == 2);
      BOOST_TEST(shapes.back() == (mpq::Shape{2, 10}));
    }
}

BOOST_AUTO_TEST_CASE(width_multiplier_scales_channels_as_the_references_do) {
  mpq::ModelSpec s;
  s.width = 0.25f;
  auto v1 = mpq::build_model(s);
  auto* stem = dynamic_cast<mpq::Conv2d*>(v1.node(0).layer.get());
  BOOST_REQUIRE(stem);
  BOOST_TEST(stem->out_channels() == 8);
  auto* last = dynamic_cast<mpq::Conv2d*>(v1.node(static_cast<size_t>(v1.find("features.13.3"))).layer.get());
  BOOST_REQUIRE(last);
  BOOST_TEST(last->out_channels() == 256);
  s.arch = "mobilenet_v2";
  s.width = 0.5f;
  auto v2 = mpq::build_model(s);
  auto* v2stem = dynamic_cast<mpq::Conv2d*>(v2.node(0).layer.get());
  BOOST_TEST(v2stem->out_channels() == 16);
  // torchvision keeps 1280 channels in the last conv for widths below 1.
  auto* v2last = dynamic_cast<mpq::Conv2d*>(v2.node(static_cast<size_t>(v2.find("features.18.0"))).layer.get());
  BOOST_REQUIRE(v2last);
  BOOST_TEST(v2last->out_channels() == 1280);
}

BOOST_AUTO_TEST_CASE(residual_adds_exist_where_stride_is_one_and_channels_match) {
  mpq::ModelSpec s;
  s.arch = "mobilenet_v2";
  s.width = 1.0f;  // at 0.25, rounding to 8 channels makes more blocks shape-preserving
  auto v2 = mpq::build_model(s);
  int adds = 0;
  for (size_t i = 0; i < v2.size(); ++i) adds += v2.node(i).layer->kind() == mpq::LayerKind::Add;
  BOOST_TEST(adds == 10);  // 17 blocks minus 7 stage-first blocks
  s.arch = "mnasnet";
  auto mn = mpq::build_model(s);
  adds = 0;
  for (size_t i = 0; i < mn.size(); ++i) adds += mn.node(i).layer->kind() == mpq::LayerKind::Add;
  BOOST_TEST(adds == 10);  // 16 stacked blocks minus 6 stack-first blocks
}

BOOST_AUTO_TEST_CASE(bad_specs_are_rejected_with_a_clear_error) {
  mpq::ModelSpec s;
  s.arch = "resnet50";
  BOOST_CHECK_THROW(mpq::build_model(s), mpq::Error);
  s.arch = "mobilenet_v1";
  s.width = 0.f;
  BOOST_CHECK_THROW(mpq::build_model(s), mpq::Error);
  mpq::ModelSpec t;
  BOOST_CHECK_THROW(mpq::parse_input_shape("3x224", t), mpq::Error);
  BOOST_CHECK_THROW(mpq::parse_input_shape("0x32x32", t), mpq::Error);
  mpq::parse_input_shape("3x224x200", t);
  BOOST_TEST(t.in_width == 200);
}

BOOST_AUTO_TEST_SUITE_END()
