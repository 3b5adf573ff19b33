// Whole-model benchmark firmware: every fixture model (-Dfirmware_fixtures, see
// apps/firmware/meson.build) is validated once and run on one test image, each call
// between bench_begin() and bench_end(), the markers the qemu-icount plugin counts
// instructions between. For region i it prints "region i <model> <call> <MACs>" with call
// load (load_model), fast (run_model, the device's kernels) or reference (run_model with
// the reference kernels); icount_table.py --model-table joins that with the counts.
// Not a test: counts are figures to read, never asserted.
#include <cstdio>
#include <initializer_list>

#include "fixture_models.h"
#include "libmpq/runtime/runtime.hpp"
#include "test_images.h"

extern "C" __attribute__((noinline, noipa)) void bench_begin() { __asm__ volatile("" ::: "memory"); }
extern "C" __attribute__((noinline, noipa)) void bench_end() { __asm__ volatile("" ::: "memory"); }

namespace {

namespace rt = mpq::rt;

// Larger than any fixture model's arena (the default model at 8 bits needs 24,648 B).
alignas(8) uint8_t g_arena[64 * 1024];
int g_region = 0;

void report(const char* model, const char* call, uint32_t macs, rt::Status s) {
  if (s != rt::Status::ok) std::printf("error %s %s: %s\n", model, call, rt::status_name(s));
  std::printf("region %d %s %s %lu\n", g_region++, model, call, static_cast<unsigned long>(macs));
}

bool bench_model(const char* name, const uint8_t* blob, uint32_t blob_bytes, uint32_t macs) {
  rt::BlobMemory memory{};
  if (rt::query_blob_memory(blob, blob_bytes, &memory) != rt::Status::ok || memory.arena_bytes > sizeof g_arena) {
    std::printf("error %s: not a blob, or its arena does not fit in %u B\n", name, static_cast<unsigned>(sizeof g_arena));
    return false;
  }
  rt::ModelView model;
  bench_begin();
  rt::Status s = rt::load_model(blob, blob_bytes, g_arena, sizeof g_arena, &model);
  bench_end();
  report(name, "load", macs, s);
  if (s != rt::Status::ok) return false;
  bool ok = true;
  for (rt::KernelVariant variant : {rt::KernelVariant::fast, rt::KernelVariant::reference}) {
    bench_begin();
    s = rt::run_model(model, mpq_test_images, g_arena, sizeof g_arena, variant);
    bench_end();
    report(name, variant == rt::KernelVariant::fast ? "fast" : "reference", macs, s);
    ok = ok && s == rt::Status::ok;
  }
  return ok;
}

}  // namespace

int main() {
  bench_begin();  // region 0: the marker overhead
  bench_end();
  std::printf("region %d marker-overhead - 0\n", g_region++);
  bool ok = true;
#define MPQ_BENCH_ONE_MODEL(symbol, name, macs) ok = bench_model(name, symbol, symbol##_size, macs) && ok;
  MPQ_FIXTURE_MODELS(MPQ_BENCH_ONE_MODEL)
#undef MPQ_BENCH_ONE_MODEL
  return ok ? 0 : 1;
}
