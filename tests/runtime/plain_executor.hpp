// An executor written for the tests alone: it decodes the blob with libmpq/mcu's host
// decoders, unpacks every tensor into one int32 per value and runs each op as the
// textbook loop of the formulas in libmpq/kernels' headers, with its own bit unpacking
// and its own 64-bit requantization. Nothing of libmpq/runtime or the kernels is used.
#pragma once

#include <cstdint>
#include <vector>

namespace mpq::test {

// The output codes (classes values) of `blob` on a raw 8-bit HWC image.
std::vector<int32_t> run_plain(const std::vector<uint8_t>& blob, const std::vector<uint8_t>& image);

}  // namespace mpq::test
