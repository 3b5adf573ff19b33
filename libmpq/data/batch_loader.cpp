#include "libmpq/data/batch_loader.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <numeric>
#include <string>
#include <thread>

#include "libmpq/core/error.hpp"
#include "libmpq/tensor/parallel.hpp"

namespace mpq {

namespace {

uint64_t mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Distinct streams for the shuffle and the per-sample draws, so that neither can repeat
// the other for some (epoch, index).
constexpr uint64_t kShuffleStream = 0x53485546464c4531ULL;
constexpr uint64_t kSampleStream = 0x53414d504c455331ULL;

}  // namespace

// The consumer (caller of next / start_epoch) and the worker communicate through the
// fields under `mutex`. The epoch fields (epoch, order) are written by the consumer only
// while the worker is idle with no request pending, so the worker reads them unlocked.
struct BatchLoader::State {
  const Dataset& dataset;
  int64_t batch_size;
  bool shuffle;
  bool augment;
  uint64_t seed;
  int64_t batches = 0;

  int64_t epoch = -1;
  std::vector<int64_t> order;
  int64_t next_batch = 0;  // consumer side: the batch next() returns

  std::mutex mutex;
  std::condition_variable changed;
  int64_t requested = -1;  // the batch the worker should prepare, -1 for none
  bool working = false;
  bool has_result = false;
  Tensor result_images;
  std::vector<int32_t> result_labels;
  std::exception_ptr result_error;
  bool stop = false;
  std::atomic<bool> cancel{false};
  std::thread worker;

  State(const Dataset& d, int64_t b, bool s, bool a, uint64_t sd)
      : dataset(d), batch_size(b), shuffle(s), augment(a), seed(sd) {}

  void fill_batch(int64_t batch, Tensor& images, std::vector<int32_t>& labels) {
    const int64_t begin = batch * batch_size;
    const int64_t count = std::min(batch_size, static_cast<int64_t>(order.size()) - begin);
    Shape shape = dataset.sample_shape();
    const int64_t elements = shape_elements(shape);
    shape.insert(shape.begin(), count);
    images.resize(shape);
    labels.resize(static_cast<size_t>(count));
    const int64_t grain = std::max<int64_t>(1, count / (4 * static_cast<int64_t>(thread_count())));
    parallel_for(count, grain, [&](int64_t lo, int64_t hi) {
      for (int64_t k = lo; k < hi; ++k) {
        if (cancel.load(std::memory_order_relaxed)) return;
        const int64_t index = order[static_cast<size_t>(begin + k)];
        Rng rng = sample_rng(seed, epoch, index);
        dataset.load(index, augment, rng, images.data() + k * elements);
        labels[static_cast<size_t>(k)] = dataset.label(index);
      }
    });
  }

  void worker_loop() {
    Tensor images;
    std::vector<int32_t> labels;
    std::unique_lock<std::mutex> lock(mutex);
    for (;;) {
      changed.wait(lock, [&] { return stop || requested >= 0; });
      if (stop) return;
      const int64_t batch = requested;
      requested = -1;
      working = true;
      lock.unlock();
      std::exception_ptr error;
      try {
        fill_batch(batch, images, labels);
      } catch (...) {
        error = std::current_exception();
      }
      lock.lock();
      working = false;
      if (!cancel.load()) {
        std::swap(images, result_images);
        labels.swap(result_labels);
        result_error = error;
        has_result = true;
      }
      changed.notify_all();
    }
  }

  // Waits until the worker is idle with nothing pending, dropping any prepared batch.
  void abandon_epoch() {
    std::unique_lock<std::mutex> lock(mutex);
    cancel = true;
    requested = -1;
    changed.wait(lock, [&] { return !working; });
    has_result = false;
    result_error = nullptr;
    cancel = false;
  }

  void request(int64_t batch) {
    std::lock_guard<std::mutex> lock(mutex);
    requested = batch;
    changed.notify_all();
  }
};

BatchLoader::BatchLoader(const Dataset& dataset, int64_t batch_size, bool shuffle, bool augment, uint64_t seed,
                         bool drop_last)
    : state_(std::make_unique<State>(dataset, batch_size, shuffle, augment, seed)) {
  require(batch_size > 0, "batch loader: batch size " + std::to_string(batch_size) + ": expected a positive size");
  const int64_t n = dataset.size();
  state_->batches = drop_last ? n / batch_size : (n + batch_size - 1) / batch_size;
  state_->worker = std::thread([s = state_.get()] { s->worker_loop(); });
}

BatchLoader::~BatchLoader() {
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->stop = true;
    state_->cancel = true;
    state_->changed.notify_all();
  }
  state_->worker.join();
}

void BatchLoader::start_epoch(int64_t epoch) {
  require(epoch >= 0, "batch loader: epoch " + std::to_string(epoch) + ": expected epoch >= 0");
  State& s = *state_;
  s.abandon_epoch();
  s.epoch = epoch;
  s.order = epoch_order(s.dataset.size(), s.shuffle, s.seed, epoch);
  s.order.resize(static_cast<size_t>(std::min(s.dataset.size(), s.batches * s.batch_size)));
  s.next_batch = 0;
  if (s.batches > 0) s.request(0);
}

bool BatchLoader::next(Tensor& images, std::vector<int32_t>& labels) {
  State& s = *state_;
  require(s.epoch >= 0, "batch loader: next() called before start_epoch()");
  if (s.next_batch >= s.batches) return false;
  std::unique_lock<std::mutex> lock(s.mutex);
  s.changed.wait(lock, [&] { return s.has_result; });
  s.has_result = false;
  if (s.result_error) {
    std::exception_ptr error = s.result_error;
    s.result_error = nullptr;
    s.next_batch = s.batches;
    std::rethrow_exception(error);
  }
  std::swap(images, s.result_images);
  labels.swap(s.result_labels);
  ++s.next_batch;
  if (s.next_batch < s.batches) {
    s.requested = s.next_batch;
    s.changed.notify_all();
  }
  return true;
}

int64_t BatchLoader::batches_per_epoch() const { return state_->batches; }
int64_t BatchLoader::batch_size() const { return state_->batch_size; }
const Dataset& BatchLoader::dataset() const { return state_->dataset; }

std::vector<int64_t> BatchLoader::epoch_order(int64_t size, bool shuffle, uint64_t seed, int64_t epoch) {
  std::vector<int64_t> order(static_cast<size_t>(std::max<int64_t>(0, size)));
  std::iota(order.begin(), order.end(), int64_t{0});
  if (!shuffle) return order;
  Rng rng(mix64(mix64(seed ^ kShuffleStream) + static_cast<uint64_t>(epoch)));
  for (int64_t i = size - 1; i > 0; --i)
    std::swap(order[static_cast<size_t>(i)], order[rng.below(static_cast<uint64_t>(i) + 1)]);
  return order;
}

Rng BatchLoader::sample_rng(uint64_t seed, int64_t epoch, int64_t index) {
  return Rng(mix64(mix64(mix64(seed ^ kSampleStream) + static_cast<uint64_t>(epoch)) + static_cast<uint64_t>(index)));
}

}  // namespace mpq
