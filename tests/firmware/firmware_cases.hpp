#pragma once
// Seeds and case counts of the per-family firmware tests. The build-time golden generator
// (golden_checksums.cpp, a host program) runs the same cases with the same seeds, so the
// firmware can check that it computed the host's outputs, byte for byte.

#include <cstdint>

#include "tests/kernels/cases/kernel_cases.hpp"

namespace mpq::kernels::testing {

constexpr uint64_t kFirmwareSeed[kFamilyCount] = {0xC0, 0xD1, 0xE2, 0xF3, 0x04, 0x15, 0x26, 0x37};
// Multiples of 27 so every bit combination runs equally often.
constexpr int32_t kFirmwareCases[kFamilyCount] = {27 * 30, 27 * 30, 27 * 30, 27 * 30,
                                                  27 * 30, 27 * 30, 27 * 30, 27 * 30};

}  // namespace mpq::kernels::testing
