// NumPy data sets (open_numpy_dataset): the seeded splits, the CHW -> HWC layout, both
// normalizations, and a one-line refusal naming the file for every bad array.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "fixtures.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/data/npz_archive.hpp"
#include "libmpq/data/numpy_dataset.hpp"
#include "numpy_fixtures.hpp"

using fixtures::check_error_mentions;
using mpq::NpyArray;
using mpq::NpyType;
using mpq::Split;

BOOST_AUTO_TEST_SUITE(numpy_dataset)

namespace {

mpq::NumpyDataOptions options(int64_t c, int64_t h, int64_t w, int classes, int64_t val) {
  mpq::NumpyDataOptions o;
  o.channels = c, o.height = h, o.width = w, o.classes = classes, o.validation_size = val, o.split_seed = 7;
  return o;
}

// x of n samples 2x2x3 whose pixel (0, 0, 0) is the sample's index; y = index mod 3.
struct Pair {
  NpyArray x, y;
};
Pair indexed_samples(int64_t n) {
  Pair p{numpy_fixtures::uint8_array({n, 2, 2, 3}, 0), {}};
  for (int64_t i = 0; i < n; ++i) p.x.bytes[static_cast<size_t>(i * 12)] = static_cast<char>(i);
  std::vector<int64_t> labels;
  for (int64_t i = 0; i < n; ++i) labels.push_back(i % 3);
  p.y = numpy_fixtures::labels(labels, NpyType::int64);
  return p;
}

std::string write_pair(const fixtures::TempDir& dir, const Pair& p, const std::string& stem = "") {
  fixtures::write_bytes(dir.file(stem + "x.npy"), mpq::encode_npy(p.x));
  fixtures::write_bytes(dir.file(stem + "y.npy"), mpq::encode_npy(p.y));
  return dir.file(stem + "x.npy") + "," + dir.file(stem + "y.npy");
}

// The sample indices a split holds (from pixel (0, 0, 0), p / 255 as uint8 is read).
std::vector<int64_t> indices(const mpq::Dataset& d) {
  std::vector<int64_t> out;
  std::vector<float> sample(static_cast<size_t>(d.sample_elements()));
  mpq::Rng rng(1);
  for (int64_t i = 0; i < d.size(); ++i) {
    d.load(i, true, rng, sample.data());
    out.push_back(std::lround(sample[0] * 255.f));
    BOOST_TEST(d.label(i) == out.back() % 3);
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(train_validation_and_test_are_disjoint_seeded_splits_of_x) {
  fixtures::TempDir dir;
  const std::string spec = write_pair(dir, indexed_samples(50));
  const auto o = options(2, 2, 3, 3, 8);
  const std::vector<int64_t> train = indices(*mpq::open_numpy_dataset(spec, Split::train, o));
  const std::vector<int64_t> val = indices(*mpq::open_numpy_dataset(spec, Split::validation, o));
  const std::vector<int64_t> test = indices(*mpq::open_numpy_dataset(spec, Split::test, o));
  BOOST_TEST(train.size() == 34u);
  BOOST_TEST(val.size() == 8u);
  BOOST_TEST(test.size() == 8u);
  std::set<int64_t> all(train.begin(), train.end());
  all.insert(val.begin(), val.end());
  all.insert(test.begin(), test.end());
  BOOST_TEST(all.size() == 50u);  // disjoint and covering
  BOOST_TEST(indices(*mpq::open_numpy_dataset(spec, Split::validation, o)) == val);  // the same seed, the same split
  auto other = o;
  other.split_seed = 8;
  BOOST_TEST(indices(*mpq::open_numpy_dataset(spec, Split::validation, other)) != val);
}

BOOST_AUTO_TEST_CASE(test_arrays_are_the_test_split_and_validation_comes_from_x) {
  fixtures::TempDir dir;
  const std::string spec = write_pair(dir, indexed_samples(30)) + "," + write_pair(dir, indexed_samples(5), "t_");
  const auto o = options(2, 2, 3, 3, 6);
  BOOST_TEST(mpq::open_numpy_dataset(spec, Split::train, o)->size() == 24);
  BOOST_TEST(mpq::open_numpy_dataset(spec, Split::validation, o)->size() == 6);
  BOOST_TEST(indices(*mpq::open_numpy_dataset(spec, Split::test, o)) == std::vector<int64_t>({0, 1, 2, 3, 4}));
  // The same in an .npz.
  const Pair train = indexed_samples(30), test = indexed_samples(5);
  fixtures::write_bytes(dir.file("d.npz"),
                        mpq::encode_npz({{"x", train.x}, {"y", train.y}, {"x_test", test.x}, {"y_test", test.y}}, true));
  BOOST_TEST(indices(*mpq::open_numpy_dataset(dir.file("d.npz"), Split::test, o)) == std::vector<int64_t>({0, 1, 2, 3, 4}));
  BOOST_TEST(indices(*mpq::open_numpy_dataset(dir.file("d.npz"), Split::validation, o)) ==
             indices(*mpq::open_numpy_dataset(spec, Split::validation, o)));
}

BOOST_AUTO_TEST_CASE(samples_are_transposed_to_hwc_and_normalized_as_documented) {
  fixtures::TempDir dir;
  // uint8: p / 255, normalization mean 0 and std 1.
  Pair p = indexed_samples(4);
  const std::string u8 = write_pair(dir, p);
  const auto o = options(2, 2, 3, 3, 1);
  auto d = mpq::open_numpy_dataset(u8, Split::test, o);
  BOOST_TEST(d->sample_shape() == mpq::Shape({2, 3, 2}));
  BOOST_TEST(d->normalization().mean == std::vector<float>({0.f, 0.f}));
  BOOST_TEST(d->normalization().std == std::vector<float>({1.f, 1.f}));
  // float32: as is; the normalization maps 0..255 onto each channel's range over x.
  Pair f{numpy_fixtures::float_array({4, 2, 2, 3}, -2.f), p.y};
  const std::string fl = write_pair(dir, f, "f_");
  d = mpq::open_numpy_dataset(fl, Split::train, o);
  std::vector<float> sample(12);
  mpq::Rng rng(1);
  d->load(0, false, rng, sample.data());
  // HWC element (y, x, c) is CHW element (c, y, x).
  const int64_t row = std::lround((sample[0] + 2.f) / 0.25f) / 12;  // which sample of x this is
  for (int64_t c = 0; c < 2; ++c)
    for (int64_t k = 0; k < 6; ++k)
      BOOST_TEST(sample[static_cast<size_t>(k * 2 + c)] == -2.f + 0.25f * static_cast<float>(row * 12 + c * 6 + k));
  // Channel 0 spans -2 + 0.25 * {0..5, 12..17, 24..29, 36..41}: [-2, 8.25].
  const mpq::PixelNormalization n = d->normalization();
  BOOST_TEST((0.f - n.mean[0]) / n.std[0] == -2.f, boost::test_tools::tolerance(1e-5f));
  BOOST_TEST((1.f - n.mean[0]) / n.std[0] == 8.25f, boost::test_tools::tolerance(1e-5f));
  BOOST_TEST((1.f - n.mean[1]) / n.std[1] == 9.75f, boost::test_tools::tolerance(1e-5f));
}

BOOST_AUTO_TEST_CASE(bad_arrays_are_refused_in_one_line_naming_the_file) {
  fixtures::TempDir dir;
  const Pair good = indexed_samples(10);
  const auto o = options(2, 2, 3, 3, 2);
  auto refused = [&](const NpyArray& x, const NpyArray& y, const std::vector<std::string>& needles) {
    const std::string spec = write_pair(dir, {x, y}, "bad_");
    check_error_mentions([&] { mpq::open_numpy_dataset(spec, Split::train, o); }, needles);
  };
  const std::string x_file = dir.file("bad_x.npy"), y_file = dir.file("bad_y.npy");
  refused(numpy_fixtures::uint8_array({10, 2, 3, 2}, 0), good.y, {x_file, "shape 10x2x3x2", "expected Nx2x2x3"});
  refused(numpy_fixtures::uint8_array({10, 12}, 0), good.y, {x_file, "shape 10x12"});
  refused(numpy_fixtures::labels(std::vector<int64_t>(120, 1), NpyType::int32), good.y, {x_file, "dtype int32"});
  refused(good.x, numpy_fixtures::float_array({10}, 0.f), {y_file, "dtype float32", "integer labels"});
  refused(good.x, numpy_fixtures::labels({0, 1, 2}, NpyType::int64), {y_file, "expected 10 labels", "found 3"});
  std::vector<int64_t> labels(10, 1);
  labels[4] = 3;
  refused(good.x, numpy_fixtures::labels(labels, NpyType::uint8), {y_file, "label 3 at index 4", "expected 0..2"});
  labels[4] = -1;
  refused(good.x, numpy_fixtures::labels(labels, NpyType::int64), {y_file, "label -1 at index 4"});
  NpyArray nan = numpy_fixtures::float_array({10, 2, 2, 3}, 0.f);
  const float bad = std::numeric_limits<float>::quiet_NaN();
  std::memcpy(&nan.bytes[20], &bad, 4);
  refused(nan, good.y, {x_file, "at index 5", "expected finite numbers"});
  // Splits that leave no training sample.
  const std::string spec = write_pair(dir, good);
  check_error_mentions([&] { mpq::open_numpy_dataset(spec, Split::train, options(2, 2, 3, 3, 5)); },
                       {dir.file("x.npy"), "validation size 5", "expected 1..4", "held out for test"});
  check_error_mentions([&] { mpq::open_numpy_dataset(spec, Split::train, options(2, 2, 3, 3, 0)); },
                       {"validation size 0"});
  // Test arrays of another dtype than x, an .npz without y, file lists that are not pairs.
  const std::string mixed = spec + "," + write_pair(dir, {numpy_fixtures::float_array({2, 2, 2, 3}, 0.f),
                                                          numpy_fixtures::labels({0, 1}, NpyType::int64)}, "t_");
  check_error_mentions([&] { mpq::open_numpy_dataset(mixed, Split::test, o); },
                       {dir.file("t_x.npy"), "dtype float32", "expected uint8"});
  fixtures::write_bytes(dir.file("d.npz"), mpq::encode_npz({{"x", good.x}}, false));
  check_error_mentions([&] { mpq::open_numpy_dataset(dir.file("d.npz"), Split::train, o); },
                       {dir.file("d.npz"), "no array 'y'"});
  check_error_mentions([&] { mpq::open_numpy_dataset(dir.file("x.npy"), Split::train, o); },
                       {"expected x.npy,y.npy"});
  check_error_mentions([&] { mpq::open_numpy_dataset(dir.file("x.npy") + ",y.txt", Split::train, o); },
                       {"'y.txt' is not a .npy file"});
  check_error_mentions([&] { mpq::open_numpy_dataset(dir.file("none.npy") + "," + y_file, Split::train, o); },
                       {dir.file("none.npy")});
}

BOOST_AUTO_TEST_SUITE_END()
