#include <boost/test/unit_test.hpp>

#include <atomic>
#include <vector>

#include "libmpq/tensor/parallel.hpp"

BOOST_AUTO_TEST_SUITE(parallel)

BOOST_AUTO_TEST_CASE(covers_every_index_exactly_once_in_fixed_chunks) {
  std::vector<std::atomic<int>> hits(1003);
  std::vector<int64_t> chunk_begins(mpq::chunk_count(1003, 64), -1);
  std::atomic<int> misshapen{0};
  // No Boost.Test assertion inside the body: they are not thread-safe (ThreadSanitizer saw
  // two workers write Boost's message string at once).
  mpq::parallel_for(1003, 64, [&](int64_t b, int64_t e) {
    if (b % 64 != 0 || e - b > 64) {
      misshapen++;
      return;
    }
    chunk_begins[b / 64] = b;
    for (int64_t i = b; i < e; ++i) hits[i]++;
  });
  BOOST_TEST(misshapen.load() == 0);
  for (auto& h : hits) BOOST_TEST(h.load() == 1);
  for (size_t c = 0; c < chunk_begins.size(); ++c) BOOST_TEST(chunk_begins[c] == static_cast<int64_t>(c) * 64);
}

BOOST_AUTO_TEST_CASE(empty_range_runs_nothing) {
  bool ran = false;
  mpq::parallel_for(0, 8, [&](int64_t, int64_t) { ran = true; });
  BOOST_TEST(!ran);
}

BOOST_AUTO_TEST_SUITE_END()
