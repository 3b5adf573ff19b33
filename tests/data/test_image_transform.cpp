#include <boost/test/unit_test.hpp>

#include "libmpq/core/error.hpp"
#include "libmpq/data/image_transform.hpp"

BOOST_AUTO_TEST_SUITE(image_transform)

namespace {
mpq::ImageU8 constant_image(int64_t h, int64_t w, std::vector<uint8_t> rgb) {
  mpq::ImageU8 image(h, w, static_cast<int64_t>(rgb.size()));
  for (int64_t i = 0; i < h * w; ++i)
    for (size_t c = 0; c < rgb.size(); ++c) image.pixels[static_cast<size_t>(i) * rgb.size() + c] = rgb[c];
  return image;
}
mpq::ImageU8 row_image(std::vector<uint8_t> values) {
  mpq::ImageU8 image(1, static_cast<int64_t>(values.size()), 1);
  image.pixels = values;
  return image;
}
}  // namespace

BOOST_AUTO_TEST_CASE(resizing_a_constant_image_keeps_it_constant) {
  const mpq::ImageU8 src = constant_image(37, 53, {10, 200, 255});
  for (auto [h, w] : {std::pair<int64_t, int64_t>{17, 23}, {80, 61}, {1, 1}, {37, 53}}) {
    const mpq::ImageU8 out = mpq::resize_bilinear(src, h, w);
    BOOST_TEST(out.height == h);
    BOOST_TEST(out.width == w);
    BOOST_TEST(out.pixels == constant_image(h, w, {10, 200, 255}).pixels);
  }
}

BOOST_AUTO_TEST_CASE(enlarging_interpolates_between_half_pixel_centers) {
  const mpq::ImageU8 out = mpq::resize_bilinear(row_image({0, 100}), 1, 4);
  BOOST_TEST(out.pixels == std::vector<uint8_t>({0, 25, 75, 100}));
}

BOOST_AUTO_TEST_CASE(shrinking_widens_the_filter_so_every_pixel_counts) {
  // Scale 2: weights 0.75, 0.75, 0.25 around each output center, normalized.
  const mpq::ImageU8 out = mpq::resize_bilinear(row_image({0, 100, 200, 40}), 1, 2);
  BOOST_TEST(out.pixels == std::vector<uint8_t>({71, 117}));
}

BOOST_AUTO_TEST_CASE(shorter_side_resize_keeps_the_aspect_ratio) {
  const mpq::ImageU8 wide = mpq::resize_shorter_side(constant_image(40, 100, {1}), 20);
  BOOST_TEST(wide.height == 20);
  BOOST_TEST(wide.width == 50);
  const mpq::ImageU8 tall = mpq::resize_shorter_side(constant_image(30, 20, {1}), 7);
  BOOST_TEST(tall.width == 7);
  BOOST_TEST(tall.height == 11);  // 10.5 rounds to 11
}

BOOST_AUTO_TEST_CASE(center_crop_and_flip_move_the_expected_pixels) {
  mpq::ImageU8 image(4, 5, 1);
  for (size_t i = 0; i < image.pixels.size(); ++i) image.pixels[i] = static_cast<uint8_t>(i);
  const mpq::ImageU8 c = mpq::center_crop(image, 2, 2);  // rows 1..2, cols 1..2
  BOOST_TEST(c.pixels == std::vector<uint8_t>({6, 7, 11, 12}));
  mpq::ImageU8 f = c;
  mpq::flip_horizontal(f);
  BOOST_TEST(f.pixels == std::vector<uint8_t>({7, 6, 12, 11}));
  BOOST_CHECK_THROW(mpq::crop(image, 3, 0, 2, 2), mpq::Error);
}

BOOST_AUTO_TEST_CASE(normalization_is_per_channel) {
  const mpq::ImageU8 image = constant_image(1, 2, {0, 255});
  const mpq::PixelNormalization norm{{0.5f, 0.25f}, {0.5f, 0.25f}};
  float out[4];
  mpq::normalize_image(image, norm, out);
  BOOST_TEST(out[0] == -1.f);
  BOOST_TEST(out[1] == 3.f);
  BOOST_TEST(out[2] == -1.f);
  BOOST_CHECK_THROW(mpq::normalize_image(image, mpq::fashion_mnist_normalization(), out), mpq::Error);
}

BOOST_AUTO_TEST_SUITE_END()
