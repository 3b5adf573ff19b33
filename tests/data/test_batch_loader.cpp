#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

#include "fixtures.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/data/batch_loader.hpp"
#include "libmpq/data/dataset_subset.hpp"
#include "libmpq/data/fashion_mnist.hpp"

BOOST_AUTO_TEST_SUITE(batch_loader)

namespace {

// Sample i is {i, draw, draw, i}: the index and two augmentation draws (0 without
// augmentation), so a batch shows which samples it holds and what randomness they got.
class IndexDataset final : public mpq::Dataset {
 public:
  explicit IndexDataset(int64_t n, int64_t fail_at = -1, int sleep_us = 0)
      : n_(n), fail_at_(fail_at), sleep_us_(sleep_us) {}
  int64_t size() const override { return n_; }
  mpq::Shape sample_shape() const override { return {2, 2, 1}; }
  int num_classes() const override { return 3; }
  std::string class_name(int c) const override { return std::to_string(c); }
  int32_t label(int64_t i) const override { return static_cast<int32_t>(i % 3); }
  mpq::PixelNormalization normalization() const override { return {{0.f}, {1.f}}; }
  void load(int64_t i, bool augment, mpq::Rng& rng, float* out) const override {
    if (sleep_us_ > 0) std::this_thread::sleep_for(std::chrono::microseconds(sleep_us_));
    if (i == fail_at_) throw mpq::Error("sample" + std::to_string(i) + ".png: cannot decode image");
    out[0] = static_cast<float>(i);
    out[1] = augment ? rng.uniform() : 0.f;
    out[2] = augment ? rng.uniform() : 0.f;
    out[3] = static_cast<float>(i);
  }

 private:
  int64_t n_;
  int64_t fail_at_;
  int sleep_us_;
};

struct Batch {
  std::vector<float> images;
  std::vector<int32_t> labels;
  int64_t rows = 0;
  bool operator==(const Batch& o) const { return images == o.images && labels == o.labels && rows == o.rows; }
};

std::vector<Batch> run_epoch(mpq::BatchLoader& loader, int64_t epoch) {
  loader.start_epoch(epoch);
  std::vector<Batch> batches;
  mpq::Tensor images;
  std::vector<int32_t> labels;
  while (loader.next(images, labels)) {
    Batch b;
    b.images.assign(images.data(), images.data() + images.size());
    b.labels = labels;
    b.rows = images.dim(0);
    BOOST_TEST_REQUIRE(images.rank() == 4);
    BOOST_TEST_REQUIRE(static_cast<int64_t>(labels.size()) == b.rows);
    batches.push_back(std::move(b));
  }
  return batches;
}

std::vector<int64_t> sample_order(const std::vector<Batch>& batches) {
  std::vector<int64_t> order;
  for (const Batch& b : batches)
    for (int64_t r = 0; r < b.rows; ++r) order.push_back(static_cast<int64_t>(b.images[static_cast<size_t>(4 * r)]));
  return order;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_sample_once_per_epoch_with_a_partial_last_batch) {
  IndexDataset data(10);
  mpq::BatchLoader loader(data, 4, true, true, 5, false);
  BOOST_TEST(loader.batches_per_epoch() == 3);
  const std::vector<Batch> batches = run_epoch(loader, 0);
  BOOST_TEST_REQUIRE(batches.size() == 3u);
  BOOST_TEST(batches[0].rows == 4);
  BOOST_TEST(batches[2].rows == 2);
  std::vector<int64_t> order = sample_order(batches);
  std::sort(order.begin(), order.end());
  BOOST_TEST(order == std::vector<int64_t>({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}), boost::test_tools::per_element());
  for (const Batch& b : batches)
    for (int64_t r = 0; r < b.rows; ++r)
      BOOST_TEST(b.labels[static_cast<size_t>(r)] == static_cast<int32_t>(b.images[static_cast<size_t>(4 * r)]) % 3);
}

BOOST_AUTO_TEST_CASE(drop_last_skips_the_partial_batch) {
  IndexDataset data(10);
  mpq::BatchLoader loader(data, 4, true, false, 5, true);
  BOOST_TEST(loader.batches_per_epoch() == 2);
  const std::vector<Batch> batches = run_epoch(loader, 3);
  BOOST_TEST(batches.size() == 2u);
  BOOST_TEST(batches[1].rows == 4);
}

BOOST_AUTO_TEST_CASE(without_shuffle_the_order_is_the_dataset_order) {
  IndexDataset data(7);
  mpq::BatchLoader loader(data, 3, false, false, 5, false);
  BOOST_TEST(sample_order(run_epoch(loader, 4)) == std::vector<int64_t>({0, 1, 2, 3, 4, 5, 6}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(same_seed_and_epoch_give_identical_batches) {
  IndexDataset data(100);
  mpq::BatchLoader a(data, 16, true, true, 11, false);
  mpq::BatchLoader b(data, 16, true, true, 11, false);
  const std::vector<Batch> first = run_epoch(a, 2);
  BOOST_TEST((first == run_epoch(b, 2)));
  BOOST_TEST((first == run_epoch(a, 2)));
  mpq::BatchLoader other_seed(data, 16, true, true, 12, false);
  BOOST_TEST(sample_order(first) != sample_order(run_epoch(other_seed, 2)));
}

BOOST_AUTO_TEST_CASE(different_epochs_give_different_orders_and_draws) {
  IndexDataset data(100);
  mpq::BatchLoader loader(data, 16, true, true, 11, false);
  const std::vector<Batch> e0 = run_epoch(loader, 0);
  const std::vector<Batch> e1 = run_epoch(loader, 1);
  BOOST_TEST(sample_order(e0) != sample_order(e1));
  mpq::BatchLoader unshuffled(data, 16, false, true, 11, false);
  const std::vector<Batch> u0 = run_epoch(unshuffled, 0), u1 = run_epoch(unshuffled, 1);
  BOOST_TEST(u0[0].images[1] != u1[0].images[1]);  // same sample, new augmentation draw
}

BOOST_AUTO_TEST_CASE(sample_contents_do_not_depend_on_batch_size_or_threads) {
  IndexDataset data(50);
  auto contents = [&](int64_t batch_size) {
    mpq::BatchLoader loader(data, batch_size, true, true, 21, false);
    std::map<int64_t, std::pair<float, float>> draws;
    for (const Batch& b : run_epoch(loader, 7))
      for (int64_t r = 0; r < b.rows; ++r)
        draws[static_cast<int64_t>(b.images[static_cast<size_t>(4 * r)])] = {b.images[static_cast<size_t>(4 * r + 1)],
                                                                             b.images[static_cast<size_t>(4 * r + 2)]};
    return std::make_pair(sample_order(run_epoch(loader, 7)), draws);
  };
  const auto small = contents(3), large = contents(50);
  BOOST_TEST(small.first == large.first);
  BOOST_TEST((small.second == large.second));
  mpq::Rng expected = mpq::BatchLoader::sample_rng(21, 7, 13);
  BOOST_TEST(small.second.at(13).first == expected.uniform());
}

BOOST_AUTO_TEST_CASE(abandoning_an_epoch_midway_then_restarting_is_clean) {
  IndexDataset data(40, -1, 200);
  mpq::BatchLoader loader(data, 8, true, true, 3, false);
  mpq::Tensor images;
  std::vector<int32_t> labels;
  loader.start_epoch(0);
  BOOST_TEST(loader.next(images, labels));
  loader.start_epoch(1);  // batch 1 of epoch 0 is in flight
  loader.start_epoch(1);  // and restarting an epoch that has not been read is fine too
  std::vector<Batch> restarted;
  while (loader.next(images, labels)) {
    Batch b;
    b.images.assign(images.data(), images.data() + images.size());
    b.labels = labels;
    b.rows = images.dim(0);
    restarted.push_back(b);
  }
  mpq::BatchLoader fresh(data, 8, true, true, 3, false);
  BOOST_TEST((restarted == run_epoch(fresh, 1)));
}

BOOST_AUTO_TEST_CASE(destroying_a_loader_mid_epoch_does_not_hang) {
  IndexDataset data(64, -1, 500);
  const auto start = std::chrono::steady_clock::now();
  {
    mpq::BatchLoader loader(data, 32, true, true, 3, false);
    loader.start_epoch(0);
  }
  {
    mpq::BatchLoader never_started(data, 32, true, true, 3, false);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  BOOST_TEST(seconds < 2.0);
}

BOOST_AUTO_TEST_CASE(a_failing_sample_rethrows_its_error_and_ends_the_epoch) {
  IndexDataset data(20, 13);
  mpq::BatchLoader loader(data, 5, false, false, 1, false);
  mpq::Tensor images;
  std::vector<int32_t> labels;
  loader.start_epoch(0);
  BOOST_TEST(loader.next(images, labels));
  BOOST_TEST(loader.next(images, labels));
  fixtures::check_error_mentions([&] { loader.next(images, labels); }, {"sample13.png"});
  BOOST_TEST(!loader.next(images, labels));
  loader.start_epoch(1);
  BOOST_TEST(loader.next(images, labels));
}

BOOST_AUTO_TEST_CASE(next_before_start_epoch_is_an_error) {
  IndexDataset data(4);
  mpq::BatchLoader loader(data, 2, false, false, 1, false);
  mpq::Tensor images;
  std::vector<int32_t> labels;
  BOOST_CHECK_THROW(loader.next(images, labels), mpq::Error);
  BOOST_CHECK_THROW(mpq::BatchLoader(data, 0, false, false, 1, false), mpq::Error);
}

BOOST_AUTO_TEST_CASE(fashion_mnist_batches_are_nhwc_with_matching_labels) {
  fixtures::TempDir dir;
  fixtures::write_fashion_mnist_fixture(dir.path(), 30, 45, true);
  const auto test = mpq::open_fashion_mnist(dir.path(), mpq::Split::test);
  const mpq::DatasetSubset first = mpq::first_samples(*test, 40);
  mpq::BatchLoader loader(first, 16, true, true, 9, false);
  loader.start_epoch(0);
  mpq::Tensor images;
  std::vector<int32_t> labels;
  int64_t seen = 0;
  while (loader.next(images, labels)) {
    BOOST_TEST((images.shape() == mpq::Shape{static_cast<int64_t>(labels.size()), 32, 32, 1}));
    seen += images.dim(0);
  }
  BOOST_TEST(seen == 40);
}

BOOST_AUTO_TEST_SUITE_END()
