#include <boost/test/unit_test.hpp>

#include <cmath>
#include <filesystem>
#include <set>

#include "fixtures.hpp"
#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/data/decode_image.hpp"
#include "libmpq/data/image_folder.hpp"
#include "libmpq/data/image_transform.hpp"

using fixtures::check_error_mentions;
namespace fs = std::filesystem;

BOOST_AUTO_TEST_SUITE(image_folder)

namespace {

mpq::ImageU8 constant_rgb(int64_t h, int64_t w, uint8_t r, uint8_t g, uint8_t b) {
  mpq::ImageU8 image(h, w, 3);
  for (int64_t i = 0; i < h * w; ++i) {
    image.pixels[static_cast<size_t>(3 * i)] = r;
    image.pixels[static_cast<size_t>(3 * i + 1)] = g;
    image.pixels[static_cast<size_t>(3 * i + 2)] = b;
  }
  return image;
}

mpq::ImageU8 gradient_rgb(int64_t h, int64_t w) {
  mpq::ImageU8 image(h, w, 3);
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x)
      for (int64_t c = 0; c < 3; ++c) image.at(y, x, c) = static_cast<uint8_t>((x * 9 + y * 4 + c * 50) % 256);
  return image;
}

std::vector<float> normalized(const mpq::ImageU8& image) {
  std::vector<float> out(image.pixels.size());
  mpq::normalize_image(image, mpq::imagenet_normalization(), out.data());
  return out;
}

// cat/: a.png (constant), b.BMP (gradient); dog/: c.jpeg; plus files and hidden entries
// that are ignored.
struct FolderFixture {
  fixtures::TempDir dir;
  mpq::ImageFolderOptions options;
  FolderFixture() {
    fs::create_directory(dir.file("dog"));
    fs::create_directory(dir.file("cat"));
    fixtures::write_image(dir.file("cat/a.png"), constant_rgb(30, 45, 10, 200, 90));
    fixtures::write_image(dir.file("cat/b.BMP"), gradient_rgb(20, 28));
    fixtures::write_image(dir.file("dog/c.jpeg"), constant_rgb(16, 16, 128, 128, 128));
    fixtures::write_bytes(dir.file("dog/notes.txt"), "not an image");
    fixtures::write_bytes(dir.file("README"), "top-level files are not classes");
    fs::create_directory(dir.file(".cache"));
    fixtures::write_image(dir.file(".cache/x.png"), constant_rgb(4, 4, 0, 0, 0));
    fixtures::write_bytes(dir.file("cat/._a.png"), "macOS resource fork, not a png");
    options.size = 16;  // resize defaults to round(16 * 256 / 224) = 18
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(classes_are_sorted_subfolders_and_only_visible_images_count) {
  FolderFixture f;
  const auto data = mpq::open_image_folder(f.dir.path(), f.options);
  BOOST_TEST(data->num_classes() == 2);
  BOOST_TEST(data->class_name(0) == "cat");
  BOOST_TEST(data->class_name(1) == "dog");
  BOOST_TEST(data->size() == 3);
  BOOST_TEST(data->label(0) == 0);
  BOOST_TEST(data->label(1) == 0);
  BOOST_TEST(data->label(2) == 1);
  BOOST_TEST((data->sample_shape() == mpq::Shape{16, 16, 3}));
}

BOOST_AUTO_TEST_CASE(evaluation_of_a_constant_image_is_its_normalized_color) {
  FolderFixture f;
  const auto data = mpq::open_image_folder(f.dir.path(), f.options);
  std::vector<float> out(16 * 16 * 3);
  mpq::Rng rng(1);
  data->load(0, false, rng, out.data());
  BOOST_TEST(out == normalized(constant_rgb(16, 16, 10, 200, 90)), boost::test_tools::per_element());
  BOOST_TEST(out[1] == (200.f / 255.f - 0.456f) / 0.224f);
}

BOOST_AUTO_TEST_CASE(evaluation_resizes_the_shorter_side_then_crops_the_center) {
  FolderFixture f;
  const auto data = mpq::open_image_folder(f.dir.path(), f.options);
  std::vector<float> out(16 * 16 * 3);
  mpq::Rng rng(1);
  data->load(1, false, rng, out.data());
  const mpq::ImageU8 resized = mpq::resize_shorter_side(mpq::decode_image_file(f.dir.file("cat/b.BMP"), 3), 18);
  BOOST_TEST(resized.height == 18);
  BOOST_TEST(resized.width == 25);  // 28 * 18 / 20 = 25.2
  BOOST_TEST(out == normalized(mpq::crop(resized, 1, 4, 16, 16)), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(random_crop_stays_inside_the_resized_image_and_flips) {
  FolderFixture f;
  const auto data = mpq::open_image_folder(f.dir.path(), f.options);
  const mpq::ImageU8 resized = mpq::resize_shorter_side(mpq::decode_image_file(f.dir.file("cat/b.BMP"), 3), 18);
  std::set<std::pair<int64_t, int64_t>> offsets_seen;
  int flips = 0;
  std::vector<float> out(16 * 16 * 3);
  for (uint64_t seed = 0; seed < 400; ++seed) {
    mpq::Rng rng(seed);
    data->load(1, true, rng, out.data());
    int matches = 0;
    for (int64_t top = 0; top + 16 <= resized.height; ++top)
      for (int64_t left = 0; left + 16 <= resized.width; ++left)
        for (bool flip : {false, true}) {
          mpq::ImageU8 candidate = mpq::crop(resized, top, left, 16, 16);
          if (flip) mpq::flip_horizontal(candidate);
          if (out == normalized(candidate)) {
            ++matches;
            offsets_seen.insert({top, left});
            flips += flip;
          }
        }
    BOOST_TEST_REQUIRE(matches == 1);
  }
  BOOST_TEST(offsets_seen.size() == 3u * 10u);
  BOOST_TEST(flips > 120);
  BOOST_TEST(flips < 280);
}

BOOST_AUTO_TEST_CASE(random_resized_crop_keeps_shape_and_a_constant_color) {
  FolderFixture f;
  f.options.augmentation = mpq::ImageAugmentation::random_resized_crop;
  const auto data = mpq::open_image_folder(f.dir.path(), f.options);
  std::vector<float> out(16 * 16 * 3);
  for (uint64_t seed = 0; seed < 20; ++seed) {
    mpq::Rng rng(seed);
    data->load(0, true, rng, out.data());
    BOOST_TEST_REQUIRE(out == normalized(constant_rgb(16, 16, 10, 200, 90)));
    data->load(1, true, rng, out.data());
    for (float v : out) BOOST_TEST_REQUIRE(std::isfinite(v));
  }
}

BOOST_AUTO_TEST_CASE(jpeg_images_decode_to_about_their_color) {
  FolderFixture f;
  const auto data = mpq::open_image_folder(f.dir.path(), f.options);
  std::vector<float> out(16 * 16 * 3);
  mpq::Rng rng(1);
  data->load(2, false, rng, out.data());
  const std::vector<float> expected = normalized(constant_rgb(16, 16, 128, 128, 128));
  for (size_t i = 0; i < out.size(); ++i) BOOST_TEST_REQUIRE(std::abs(out[i] - expected[i]) < 0.05f);
}

BOOST_AUTO_TEST_CASE(empty_class_folder_is_an_error_naming_it) {
  FolderFixture f;
  fs::create_directory(f.dir.file("empty_class"));
  fixtures::write_bytes(f.dir.file("empty_class/readme.txt"), "no images here");
  check_error_mentions([&] { mpq::open_image_folder(f.dir.path(), f.options); }, {f.dir.file("empty_class")});
}

BOOST_AUTO_TEST_CASE(missing_dir_or_no_class_folders_is_an_error_naming_it) {
  check_error_mentions([] { mpq::open_image_folder("/nonexistent_mpq_images"); }, {"/nonexistent_mpq_images"});
  fixtures::TempDir empty;
  check_error_mentions([&] { mpq::open_image_folder(empty.path()); }, {empty.path(), "no class folders"});
}

BOOST_AUTO_TEST_CASE(corrupt_image_is_an_error_naming_the_file_when_loaded) {
  FolderFixture f;
  fixtures::write_bytes(f.dir.file("dog/broken.png"), "\x89PNG\r\n\x1a\n this is not really a png");
  const auto data = mpq::open_image_folder(f.dir.path(), f.options);  // lazy: opening succeeds
  BOOST_TEST(data->size() == 4);
  std::vector<float> out(16 * 16 * 3);
  mpq::Rng rng(1);
  check_error_mentions([&] { data->load(2, false, rng, out.data()); }, {f.dir.file("dog/broken.png"), "decode"});
}

BOOST_AUTO_TEST_CASE(an_image_without_pixels_is_refused) {
  // stb_image decodes a BMP whose header says 0 rows as an empty image (found by fuzzing).
  fixtures::TempDir dir;
  const std::string path = dir.file("empty.bmp");
  fixtures::write_image(path, constant_rgb(1, 7, 10, 20, 30));
  std::string bytes = mpq::read_file(path);
  bytes.replace(22, 4, std::string(4, '\0'));  // BITMAPINFOHEADER height
  fixtures::write_bytes(path, bytes);
  check_error_mentions([&] { mpq::decode_image_file(path, 3); }, {path, "7x0 pixels"});
}

BOOST_AUTO_TEST_CASE(an_image_above_the_pixel_limit_is_refused_from_its_header) {
  fixtures::TempDir dir;
  const std::string path = dir.file("tall.bmp");
  fixtures::write_image(path, constant_rgb(1, 7, 10, 20, 30));
  BOOST_TEST(mpq::decode_image_file(path, 3, 7).pixels.size() == 21);
  check_error_mentions([&] { mpq::decode_image_file(path, 3, 6); }, {path, "7x1 pixels", "6-pixel limit"});
  // A top-down BMP (negative height) promising 7 x 16,777,211 pixels in 63 bytes (found by
  // fuzzing: stb_image reported the height negative, then decoded 350 MB).
  std::string bytes = mpq::read_file(path);
  bytes.replace(22, 4, std::string("\x05\x00\x00\xff", 4));  // BITMAPINFOHEADER height
  fixtures::write_bytes(path, bytes);
  check_error_mentions([&] { mpq::decode_image_file(path, 3); }, {path, "7x16777211 pixels", "-pixel limit"});
}

BOOST_AUTO_TEST_SUITE_END()
