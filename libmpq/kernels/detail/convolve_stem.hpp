#pragma once
// The stem path of the fast convolution (convolve_fast.cpp): the first layer at 8 bits,
// 3x3 kernels of 3 channels (27-byte weight rows), 8-bit input and weights, full-range
// 8-bit outputs, every channel's multiplier below 1/2. Its rows are short (27 MACs per
// output value), so the generic GEMM's per-row and per-output work cost as much as its
// multiplies; this path keeps four accumulators that start at the bias, and requantizes
// each with SMMLA (SMMLAR when the right shift is 0), ASR and USAT: the zero point is
// folded into the rounding word, offset = round_hi + zero_point << right, so
// (high word of offset * 2^32 + acc * multiplier [+ 2^31]) >> right = r + zero_point.
// |offset| < 2^30 keeps that high word inside 32 bits (|acc * multiplier| < 2^62).
// The multiplies are in convolve_stem.cpp; the im2col and the choice of path stay in
// convolve_fast.cpp.

#include <cstdint>

#include "libmpq/kernels/convolve.hpp"
#include "libmpq/kernels/detail/channel_requant.hpp"
#include "libmpq/kernels/detail/gemm.hpp"

namespace mpq::kernels::detail {

struct StemRecord {
  int32_t bias, multiplier, right, offset;  // the order the assembly loads them in
};
static_assert(sizeof(StemRecord) == sizeof(ChannelRecord),
              "stem records reuse the records' scratch");

constexpr int32_t kStemRowBytes = 27;

// Each output channel's record into `records` when the stem path applies to p, else
// false (records then partly written). Internal to each file that includes it and not
// declared inline, like a file-local function: GCC inlines it into convolve_fast, its one
// caller, last (at -O3 and at -Os), so it neither takes the growth budget that keeps
// convolve_all<8, 2> inline nor stays a call (GCC 12, Cortex-M).
namespace {
[[maybe_unused]] bool stem_records(const ConvParams& p, const int32_t* bias,
                                    const int32_t* multiplier, const int32_t* shift,
                                    StemRecord* records) {
  if (p.input.bits != 8 || p.weight_bits != 8 || p.input_c != 3 || p.kernel_h != 3 ||
      p.kernel_w != 3 || p.output.bits != 8 || p.output.min != 0 || p.output.max != 255) {
    return false;
  }
  for (int32_t o = 0; o < p.output_c; ++o) {
    const RoundingWords w = rounding_words(multiplier[o], shift[o]);
    if (w.round_hi < 0) return false;  // a multiplier of 1/2 and above
    const int32_t right = static_cast<int32_t>(w.round_lo_right & 0xFFu);
    const int64_t offset =
        w.round_hi + static_cast<int64_t>(p.output.zero_point) * (int64_t{1} << right);
    if (offset >= (int64_t{1} << 30) || offset <= -(int64_t{1} << 30)) return false;
    records[o] = StemRecord{bias != nullptr ? bias[o] : 0, w.multiplier, right,
                            static_cast<int32_t>(offset)};
  }
  return true;
}
}  // namespace

// One group of the stem path: every output channel of the np (at most kGemmColumns)
// columns of the stream (8-bit weights, one lane pair per weight word: word g of column q
// at stream[8 g + 2 q]), column q's outputs at rows[q] (consecutive pixels, stride bytes
// apart, unless the group is short; a short group's missing columns repeat its last).
void convolve_stem_group(const uint8_t* weights, const uint32_t* stream,
                         const StemRecord* records, int32_t channels, uint8_t* const* rows,
                         int32_t np, int32_t stride);

}  // namespace mpq::kernels::detail
