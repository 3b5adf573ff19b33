#include "tests/kernels/cases/kernel_cases.hpp"

#include "tests/kernels/cases/case_generators.hpp"

namespace mpq::kernels::testing {

const char* family_name(Family family) {
  switch (family) {
    case Family::convolve: return "convolve";
    case Family::depthwise_convolve: return "depthwise_convolve";
    case Family::pointwise_convolve: return "pointwise_convolve";
    case Family::fully_connected: return "fully_connected";
    case Family::global_average_pool: return "global_average_pool";
    case Family::residual_add: return "residual_add";
    case Family::max_pool: return "max_pool";
    case Family::average_pool: return "average_pool";
  }
  return "unknown";
}

CaseReport run_cases(Family family, uint64_t seed, int32_t count, Arena& arena) {
  using CaseFn = void (*)(CaseRng&, int32_t, Arena&, CaseReport&);
  static const CaseFn kCases[kFamilyCount] = {
      convolve_case,        depthwise_convolve_case, pointwise_convolve_case,
      fully_connected_case, global_average_pool_case, residual_add_case, max_pool_case,
      average_pool_case,
  };
  CaseReport report;
  const int32_t f = static_cast<int32_t>(family);
  if (f < 0 || f >= kFamilyCount) return report;
  CaseRng rng(seed);
  for (int32_t i = 0; i < count; ++i) {
    arena.reset();
    kCases[f](rng, i, arena, report);
  }
  return report;
}

}  // namespace mpq::kernels::testing
