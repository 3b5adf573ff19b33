#include "libmpq/tensor/parallel.hpp"

#include <memory>
#include <thread>

#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

// ThreadSanitizer cannot see the synchronization inside Debian's libtbb.so, which is not
// built with -fsanitize=thread: without help it reports every write a chunk makes and the
// caller reads after the loop (and every capture the caller wrote before it) as a race.
// The loop's fork and join edges are told to it here; chunks stay unordered with each
// other, so a race between two chunks is still reported (docs/reliability.md).
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MPQ_THREAD_SANITIZER 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define MPQ_THREAD_SANITIZER 1
#endif
#ifdef MPQ_THREAD_SANITIZER
#include <sanitizer/tsan_interface.h>
#endif

namespace mpq {

namespace {
std::unique_ptr<tbb::global_control> g_control;
int g_threads = 0;

// What happened in this thread before happens_before(edge) happens before what follows
// happens_after(edge) in any thread. No-ops outside ThreadSanitizer builds.
inline void happens_before([[maybe_unused]] void* edge) {
#ifdef MPQ_THREAD_SANITIZER
  __tsan_release(edge);
#endif
}
inline void happens_after([[maybe_unused]] void* edge) {
#ifdef MPQ_THREAD_SANITIZER
  __tsan_acquire(edge);
#endif
}
// One parallel loop, on its caller's stack while it runs.
struct Loop {
  const std::function<void(int64_t, int64_t)>& body;
  int64_t n, grain;
  char fork, join;  // ThreadSanitizer's names for the loop's start and end
};

// The chunks of one TBB task. Not inlined, so that ThreadSanitizer names it in its reports
// (tests/tsan.supp): its own reads of the range and of `loop` before happens_after are
// of TBB's task copies (TBB's hand-off); the body's accesses are reported under the body's
// frames. One pointer, so that TBB copies it without a memcpy.
struct TbbChunks {
  Loop* loop;
  [[gnu::noinline]] void operator()(const tbb::blocked_range<int64_t>& r) const {
    Loop& l = *loop;
    const int64_t begin = r.begin(), end = r.end();
    happens_after(&l.fork);
    for (int64_t c = begin; c != end; ++c) l.body(c * l.grain, std::min(l.n, (c + 1) * l.grain));
    happens_before(&l.join);
  }
};

}  // namespace

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& body) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  const int64_t chunks = chunk_count(n, grain);
  if (chunks == 1 || thread_count() == 1) {
    for (int64_t c = 0; c < chunks; ++c) body(c * grain, std::min(n, (c + 1) * grain));
    return;
  }
  Loop loop{body, n, grain, 0, 0};
  happens_before(&loop.fork);
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, chunks, 1), TbbChunks{&loop}, tbb::simple_partitioner());
  happens_after(&loop.join);
}

void set_thread_count(int threads) {
  g_threads = threads > 0 ? threads : static_cast<int>(std::thread::hardware_concurrency());
  if (g_threads < 1) g_threads = 1;
  g_control = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                    static_cast<size_t>(g_threads));
}

int thread_count() {
  if (g_threads == 0) {
    int hw = static_cast<int>(std::thread::hardware_concurrency());
    return hw > 0 ? hw : 1;
  }
  return g_threads;
}

}  // namespace mpq
