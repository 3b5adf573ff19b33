#pragma once

#include <cstdint>
#include <functional>

namespace mpq {

// Runs body(begin, end) over [0, n) split into fixed chunks of `grain` items (the last
// one shorter). Chunk boundaries depend only on n and grain, never on the thread count
// or scheduling, so an op that writes per-chunk partial results and then sums them in
// chunk order is deterministic. Uses oneTBB; nested calls run inline.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t begin, int64_t end)>& body);

// Number of chunks parallel_for(n, grain, ...) makes.
inline int64_t chunk_count(int64_t n, int64_t grain) { return n <= 0 ? 0 : (n + grain - 1) / grain; }

// Limits the worker threads for the rest of the process (the `--threads` option).
// 0 means all hardware threads.
void set_thread_count(int threads);
int thread_count();

}  // namespace mpq
