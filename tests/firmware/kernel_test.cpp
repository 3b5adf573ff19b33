// Firmware test of one kernel family (MPQ_FIRMWARE_FAMILY, a testing::Family value): runs
// the fast kernels (DSP paths on cores that have them) against the reference on random
// cases generated on the target with a fixed seed, and checks the checksum of all outputs
// against the host's (golden_checksums.hpp, generated at build time). Exit status 0 only if
// every case matched and the checksum equals the host's.
#include <cstdio>

#include "golden_checksums.hpp"
#include "tests/firmware/firmware_cases.hpp"

namespace {
alignas(8) uint8_t g_arena[mpq::kernels::testing::kCaseArenaBytes];
}

int main() {
  using namespace mpq::kernels::testing;
  constexpr int32_t f = MPQ_FIRMWARE_FAMILY;
  static_assert(f >= 0 && f < kFamilyCount, "MPQ_FIRMWARE_FAMILY must name a Family");
  Arena arena(g_arena, sizeof g_arena);
  const CaseReport r = run_cases(static_cast<Family>(f), kFirmwareSeed[f], kFirmwareCases[f], arena);
  const bool same_as_host = r.checksum == kGoldenChecksum[f];
  std::printf("%s: %ld cases, %ld fast/reference mismatches, checksum 0x%08lx (host 0x%08lx)%s\n",
              family_name(static_cast<Family>(f)), static_cast<long>(r.cases),
              static_cast<long>(r.failures), static_cast<unsigned long>(r.checksum),
              static_cast<unsigned long>(kGoldenChecksum[f]), same_as_host ? "" : " DIFFERS");
  if (r.failures != 0) std::printf("first mismatch: %s\n", r.first_failure);
  return (r.failures == 0 && r.cases == kFirmwareCases[f] && same_as_host) ? 0 : 1;
}
