// Benchmark firmware for models exported by the user: every `mpq export --c-source` file
// given with -Dbench_models (bench/firmware/meson.build) is validated once and run on one
// synthetic input of its own shape, its load, fast and reference calls a region each
// (model_bench_regions.hpp, as in model_bench.cpp), so that icount_table.py --model-table
// reads them. The input is a fixed pseudo-random byte pattern: the kernels' instruction
// counts do not depend on the values but for a few clamps. Not a test: counts are figures to read, never asserted.
#include <cstdio>

#include "bench_models.h"
#include "model_bench_regions.hpp"

// X(symbol, MACs) for each model: the blob and its size, as blob_c_source writes them.
#define MPQ_BENCH_DECLARE(symbol, macs) extern "C" const uint8_t symbol[]; extern "C" const uint32_t symbol##_size;
MPQ_BENCH_MODELS(MPQ_BENCH_DECLARE)
#undef MPQ_BENCH_DECLARE

namespace {

namespace rt = mpq::rt;

alignas(8) uint8_t g_arena[MPQ_BENCH_ARENA_KB * 1024];
// 3x96x96 (visual wake words) and smaller inputs.
uint8_t g_input[64 * 1024];

bool bench_model(const char* name, const uint8_t* blob, uint32_t blob_bytes, uint32_t macs) {
  rt::ModelView model;
  if (!mpq::bench::bench_load(name, blob, blob_bytes, macs, g_arena, sizeof g_arena, &model)) return false;
  const uint32_t input_bytes = uint32_t{model.input_h} * model.input_w * model.input_c;
  if (input_bytes > sizeof g_input) {
    std::printf("error %s: its %lu-byte input is larger than the bench's %u B\n", name,
                static_cast<unsigned long>(input_bytes), static_cast<unsigned>(sizeof g_input));
    return false;
  }
  uint32_t state = 12345u;
  for (uint32_t i = 0; i < input_bytes; ++i) {
    state = state * 1664525u + 1013904223u;  // Numerical Recipes' LCG: any fixed pattern serves
    g_input[i] = static_cast<uint8_t>(state >> 24);
  }
  return mpq::bench::bench_runs(name, model, g_input, macs, g_arena, sizeof g_arena);
}

}  // namespace

int main() {
  mpq::bench::bench_marker_overhead();
  bool ok = true;
#define MPQ_BENCH_ONE_MODEL(symbol, macs) ok = bench_model(#symbol, symbol, symbol##_size, macs) && ok;
  MPQ_BENCH_MODELS(MPQ_BENCH_ONE_MODEL)
#undef MPQ_BENCH_ONE_MODEL
  return ok ? 0 : 1;
}
