// Built in the ThreadSanitizer tree only (tools/tsan.sh): two chunks of one
// mpq::parallel_for on different threads write the same variable, a race that TSan must
// report (the test is expected to fail), while their disjoint writes, read after the loop,
// must not be (the loop's join). It shows that the fork and join annotations of
// libmpq/tensor/parallel.cpp and the suppressions of tests/tsan.supp do not hide races in
// loop bodies.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "libmpq/tensor/parallel.hpp"

int main() {
  mpq::set_thread_count(2);
  std::vector<float> out(2, 0.f);
  float shared = 0.f;
  // Relaxed: TSan orders nothing by it. Each chunk waits (up to 10 s) until both have
  // started, so that they run on two threads.
  std::atomic<int> started{0};
  mpq::parallel_for(2, 1, [&](int64_t begin, int64_t) {
    started.fetch_add(1, std::memory_order_relaxed);
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (started.load(std::memory_order_relaxed) < 2 && std::chrono::steady_clock::now() < give_up)
      std::this_thread::yield();
    out[static_cast<size_t>(begin)] = 1.f;
    shared += 1.f;  // the planted race
  });
  std::printf("%s: %g %g\n", started.load() == 2 ? "two threads" : "one thread", out[0] + out[1], shared);
  return 0;
}
