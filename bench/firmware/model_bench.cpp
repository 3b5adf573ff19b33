// Whole-model benchmark firmware: every fixture model (-Dfirmware_fixtures, see
// apps/firmware/meson.build) is validated once and run on one test image, its load, fast
// and reference calls a region each (model_bench_regions.hpp: the markers and the lines
// icount_table.py --model-table reads). Not a test: counts are figures to read, never
// asserted.
#include <cstdint>

#include "fixture_models.h"
#include "model_bench_regions.hpp"
#include "test_images.h"

namespace {

// Larger than any fixture model's arena (the default model at 8 bits needs 24,648 B).
alignas(8) uint8_t g_arena[64 * 1024];

bool bench_model(const char* name, const uint8_t* blob, uint32_t blob_bytes, uint32_t macs) {
  mpq::rt::ModelView model;
  return mpq::bench::bench_load(name, blob, blob_bytes, macs, g_arena, sizeof g_arena, &model) &&
         mpq::bench::bench_runs(name, model, mpq_test_images, macs, g_arena, sizeof g_arena);
}

}  // namespace

int main() {
  mpq::bench::bench_marker_overhead();
  bool ok = true;
#define MPQ_BENCH_ONE_MODEL(symbol, name, macs) ok = bench_model(name, symbol, symbol##_size, macs) && ok;
  MPQ_FIXTURE_MODELS(MPQ_BENCH_ONE_MODEL)
#undef MPQ_BENCH_ONE_MODEL
  return ok ? 0 : 1;
}
