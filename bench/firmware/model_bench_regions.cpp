// The whole-model benchmarks' markers and lines (model_bench_regions.hpp). Not a test:
// counts are figures to read, never asserted.
#include "model_bench_regions.hpp"

#include <cstdio>

extern "C" __attribute__((noinline, noipa)) void bench_begin() { __asm__ volatile("" ::: "memory"); }
extern "C" __attribute__((noinline, noipa)) void bench_end() { __asm__ volatile("" ::: "memory"); }

namespace mpq::bench {
namespace {

int g_region = 0;

}  // namespace

void bench_marker_overhead() {
  bench_begin();
  bench_end();
  std::printf("region %d marker-overhead - 0\n", g_region++);
}

void report_region(const char* model, const char* call, uint32_t macs, rt::Status s) {
  if (s != rt::Status::ok) std::printf("error %s %s: %s\n", model, call, rt::status_name(s));
  std::printf("region %d %s %s %lu\n", g_region++, model, call, static_cast<unsigned long>(macs));
}

void report_unfit_blob(const char* model, uint32_t arena_bytes) {
  std::printf("error %s: not a blob, or its arena does not fit in %u B\n", model, static_cast<unsigned>(arena_bytes));
}

}  // namespace mpq::bench
