#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <set>

#include "fixtures.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/data/fashion_mnist.hpp"
#include "libmpq/data/train_validation_split.hpp"

using fixtures::check_error_mentions;

BOOST_AUTO_TEST_SUITE(fashion_mnist)

namespace {

constexpr int64_t kTrain = 300;
constexpr int64_t kTest = 50;

float normalized(uint8_t p) { return (static_cast<float>(p) / 255.f - 0.2860f) / 0.3530f; }

// Canvas of `size` with fixture image i at (oy, ox), optionally flipped, normalized.
std::vector<float> expected_canvas(int64_t i, int64_t size, int64_t oy, int64_t ox, bool flip) {
  std::vector<float> out(static_cast<size_t>(size * size), normalized(0));
  for (int64_t y = 0; y < 28; ++y)
    for (int64_t x = 0; x < 28; ++x)
      out[static_cast<size_t>((y + oy) * size + x + ox)] = normalized(fixtures::fixture_pixel(i, y, flip ? 27 - x : x));
  return out;
}

// The fixture index behind sample s, decoded from its centered evaluation image.
int64_t source_index(const mpq::Dataset& data, int64_t s) {
  std::vector<float> out(static_cast<size_t>(data.sample_elements()));
  mpq::Rng rng(0);
  data.load(s, false, rng, out.data());
  const int64_t size = data.sample_shape()[0], o = (size - 28) / 2;
  return fixtures::fixture_index(fixtures::fashion_raw_pixel(out[static_cast<size_t>(o * size + o)]),
                                 fixtures::fashion_raw_pixel(out[static_cast<size_t>(o * size + o + 1)]));
}

std::vector<int64_t> source_indices(const mpq::Dataset& data) {
  std::vector<int64_t> v;
  for (int64_t s = 0; s < data.size(); ++s) v.push_back(source_index(data, s));
  return v;
}

struct FixtureDir {
  fixtures::TempDir dir;
  mpq::FashionMnistOptions options;
  FixtureDir() {
    fixtures::write_fashion_mnist_fixture(dir.path(), kTrain, kTest, true);
    options.validation_size = 40;
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(split_is_disjoint_complete_and_deterministic) {
  const mpq::TrainValidationSplit a = mpq::split_train_validation(1000, 100, 7);
  const mpq::TrainValidationSplit b = mpq::split_train_validation(1000, 100, 7);
  BOOST_TEST(a.validation.size() == 100u);
  BOOST_TEST(a.train.size() == 900u);
  BOOST_TEST(a.train == b.train);
  BOOST_TEST(a.validation == b.validation);
  std::vector<int64_t> all = a.train;
  all.insert(all.end(), a.validation.begin(), a.validation.end());
  std::sort(all.begin(), all.end());
  for (int64_t i = 0; i < 1000; ++i) BOOST_TEST_REQUIRE(all[static_cast<size_t>(i)] == i);
  BOOST_TEST(std::is_sorted(a.train.begin(), a.train.end()));
  BOOST_TEST(std::is_sorted(a.validation.begin(), a.validation.end()));
}

BOOST_AUTO_TEST_CASE(split_changes_with_the_seed) {
  BOOST_TEST(mpq::split_train_validation(1000, 100, 7).validation !=
             mpq::split_train_validation(1000, 100, 8).validation);
  BOOST_CHECK_THROW(mpq::split_train_validation(10, 11, 1), mpq::Error);
}

BOOST_AUTO_TEST_CASE(train_and_validation_splits_hold_the_images_the_split_names) {
  FixtureDir f;
  const auto train = mpq::open_fashion_mnist(f.dir.path(), mpq::Split::train, f.options);
  const auto validation = mpq::open_fashion_mnist(f.dir.path(), mpq::Split::validation, f.options);
  const mpq::TrainValidationSplit expected =
      mpq::split_train_validation(kTrain, f.options.validation_size, f.options.split_seed);
  BOOST_TEST(train->size() == kTrain - 40);
  BOOST_TEST(validation->size() == 40);
  BOOST_TEST(source_indices(*train) == expected.train);
  BOOST_TEST(source_indices(*validation) == expected.validation);
  for (int64_t s = 0; s < validation->size(); ++s)
    BOOST_TEST(validation->label(s) == fixtures::fixture_label(expected.validation[static_cast<size_t>(s)]));

  mpq::FashionMnistOptions other = f.options;
  other.split_seed = f.options.split_seed + 1;
  BOOST_TEST(source_indices(*mpq::open_fashion_mnist(f.dir.path(), mpq::Split::validation, other)) !=
             expected.validation);
}

BOOST_AUTO_TEST_CASE(test_split_reads_the_t10k_files_raw_or_gzipped) {
  for (bool gzipped : {false, true}) {
    fixtures::TempDir dir;
    fixtures::write_fashion_mnist_fixture(dir.path(), 20, kTest, gzipped);
    const auto test = mpq::open_fashion_mnist(dir.path(), mpq::Split::test);
    BOOST_TEST(test->size() == kTest);
    BOOST_TEST(test->num_classes() == 10);
    BOOST_TEST(test->class_name(9) == "Ankle boot");
    BOOST_TEST((test->sample_shape() == mpq::Shape{32, 32, 1}));
    std::vector<int64_t> identity(kTest);
    for (int64_t i = 0; i < kTest; ++i) identity[static_cast<size_t>(i)] = i;
    BOOST_TEST(source_indices(*test) == identity);
  }
}

BOOST_AUTO_TEST_CASE(evaluation_places_the_image_centered_with_exact_values) {
  FixtureDir f;
  const auto test = mpq::open_fashion_mnist(f.dir.path(), mpq::Split::test, f.options);
  std::vector<float> out(32 * 32);
  mpq::Rng rng(3);
  test->load(17, false, rng, out.data());
  BOOST_TEST(out == expected_canvas(17, 32, 2, 2, false), boost::test_tools::per_element());
  BOOST_TEST(out[0] == (0.f - 0.2860f) / 0.3530f);
}

BOOST_AUTO_TEST_CASE(augmentation_shifts_within_the_canvas_and_flips) {
  FixtureDir f;
  const auto test = mpq::open_fashion_mnist(f.dir.path(), mpq::Split::test, f.options);
  std::set<std::pair<int64_t, int64_t>> offsets_seen;
  std::set<bool> flips_seen;
  std::vector<float> out(32 * 32);
  for (uint64_t seed = 0; seed < 400; ++seed) {
    mpq::Rng rng(seed);
    const int64_t i = static_cast<int64_t>(seed % kTest);
    test->load(i, true, rng, out.data());
    int matches = 0;
    for (int64_t oy = 0; oy <= 4; ++oy)
      for (int64_t ox = 0; ox <= 4; ++ox)
        for (bool flip : {false, true})
          if (out == expected_canvas(i, 32, oy, ox, flip)) {
            ++matches;
            offsets_seen.insert({oy, ox});
            flips_seen.insert(flip);
          }
    BOOST_TEST_REQUIRE(matches == 1);
  }
  BOOST_TEST(offsets_seen.size() == 25u);
  BOOST_TEST(flips_seen.size() == 2u);
}

BOOST_AUTO_TEST_CASE(augmentation_is_a_function_of_the_rng_only) {
  FixtureDir f;
  const auto test = mpq::open_fashion_mnist(f.dir.path(), mpq::Split::test, f.options);
  std::vector<float> a(32 * 32), b(32 * 32);
  mpq::Rng r1(99), r2(99);
  test->load(5, true, r1, a.data());
  test->load(5, true, r2, b.data());
  BOOST_TEST(a == b, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(image_size_28_gives_the_plain_image) {
  FixtureDir f;
  f.options.image_size = 28;
  const auto test = mpq::open_fashion_mnist(f.dir.path(), mpq::Split::test, f.options);
  std::vector<float> out(28 * 28);
  mpq::Rng rng(1);
  test->load(3, true, rng, out.data());
  BOOST_TEST((out == expected_canvas(3, 28, 0, 0, false) || out == expected_canvas(3, 28, 0, 0, true)));
}

BOOST_AUTO_TEST_CASE(missing_directory_or_file_is_an_error_naming_it) {
  check_error_mentions([] { mpq::open_fashion_mnist("/nonexistent_mpq_fashion", mpq::Split::test); },
                       {"/nonexistent_mpq_fashion", "dataset-fashion-mnist"});
  fixtures::TempDir dir;
  fixtures::write_fashion_mnist_fixture(dir.path(), 20, 10, false);
  std::filesystem::remove(dir.file("t10k-labels-idx1-ubyte"));
  check_error_mentions([&] { mpq::open_fashion_mnist(dir.path(), mpq::Split::test); },
                       {dir.path(), "t10k-labels-idx1-ubyte"});
  mpq::FashionMnistOptions too_many;
  too_many.validation_size = 20;
  check_error_mentions([&] { mpq::open_fashion_mnist(dir.path(), mpq::Split::train, too_many); },
                       {dir.path(), "validation size 20"});
}

BOOST_AUTO_TEST_CASE(real_fashion_mnist_test_split_has_1000_images_per_class) {
  if (!std::filesystem::exists(mpq::kDefaultFashionMnistDir)) {
    BOOST_TEST_MESSAGE("skipped: " << mpq::kDefaultFashionMnistDir
                                   << " not found (install the Debian package dataset-fashion-mnist)");
    return;
  }
  const auto test = mpq::open_fashion_mnist(mpq::kDefaultFashionMnistDir, mpq::Split::test);
  BOOST_TEST(test->size() == 10000);
  BOOST_TEST(test->num_classes() == 10);
  std::vector<int> per_class(10, 0);
  for (int64_t i = 0; i < test->size(); ++i) ++per_class[static_cast<size_t>(test->label(i))];
  BOOST_TEST(per_class == std::vector<int>(10, 1000), boost::test_tools::per_element());
  const auto validation = mpq::open_fashion_mnist(mpq::kDefaultFashionMnistDir, mpq::Split::validation);
  BOOST_TEST(validation->size() == 5000);
}

BOOST_AUTO_TEST_SUITE_END()
