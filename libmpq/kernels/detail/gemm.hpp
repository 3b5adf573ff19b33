#pragma once
// The matrix-multiply core shared by the fast convolution, pointwise convolution and fully
// connected kernels.
//
// A weight row (one output channel: its taps' packed b-bit input-channel vectors, back to
// back) is read one 32-bit word at a time and unpacked by unpack_signed_scaled<b>. The other
// operand, "columns" (one per output pixel: its receptive field), is prepared once per
// column in a "stream" of 16-bit lane words in the matching order, so the hot loop is loads,
// a few unpack instructions per weight word, and one SMLAD per two multiply-accumulates.
//
// Stream layout for np columns: for weight word g, for column q, the Lanes<b>::kWords lane
// words of that column's values at slots [g*kValues, (g+1)*kValues) of the row.
// A column is first written as "natural" bytes, one unsigned value per slot of the weight
// row (0 for the padding slots of a tap and past the end of the row), then scattered.

#include <cstdint>
#include <cstring>

#include "libmpq/kernels/detail/codes.hpp"
#include "libmpq/kernels/detail/dsp.hpp"
#include "libmpq/kernels/detail/lanes.hpp"
#include "libmpq/kernels/requantize.hpp"

namespace mpq::kernels::detail {

// Weight words of a row of `row_bytes` bytes (the last one may be partial).
constexpr int32_t row_words(int32_t row_bytes) { return (row_bytes + 3) / 4; }

// Natural bytes of one column (words * Lanes<WB>::kValues of them) -> column q of a stream
// of np columns.
template <int WB>
MPQ_ALWAYS_INLINE void scatter_column(const uint8_t* natural, int32_t words, uint32_t* stream,
                                      int32_t q, int32_t np) {
  constexpr int32_t kValues = Lanes<WB>::kValues;
  constexpr int32_t kWords = Lanes<WB>::kWords;
  uint32_t* out = stream + q * kWords;
  const int32_t step = np * kWords;
  for (int32_t g = 0; g < words; ++g, natural += kValues, out += step) {
    bytes_to_lanes<WB>(natural, out);
  }
}

// acc[o][q] += dot(weight row o, column q) * 2^Lanes<WB>::kScaleShift for NO rows that are
// row_bytes apart, against a stream of NP columns.
template <int WB, int NO, int NP>
MPQ_ALWAYS_INLINE void dot_rows(const uint8_t* w, int32_t row_bytes, const uint32_t* stream,
                                int32_t acc[NO][NP]) {
  constexpr int32_t kWords = Lanes<WB>::kWords;
  const int32_t full = row_bytes >> 2;
  const int32_t tail = row_bytes & 3;
  for (int32_t g = 0; g < full; ++g) {
    for (int32_t o = 0; o < NO; ++o) {
      uint32_t lanes[kWords];
      unpack_signed_scaled<WB>(dsp::load32(w + o * row_bytes), lanes);
      for (int32_t q = 0; q < NP; ++q) {
        for (int32_t j = 0; j < kWords; ++j) {
          acc[o][q] = dsp::smlad(lanes[j], stream[q * kWords + j], acc[o][q]);
        }
      }
    }
    w += 4;
    stream += NP * kWords;
  }
  if (tail != 0) {
    for (int32_t o = 0; o < NO; ++o) {
      uint32_t lanes[kWords];
      unpack_signed_scaled<WB>(dsp::load32_partial(w + o * row_bytes, tail), lanes);
      for (int32_t q = 0; q < NP; ++q) {
        for (int32_t j = 0; j < kWords; ++j) {
          acc[o][q] = dsp::smlad(lanes[j], stream[q * kWords + j], acc[o][q]);
        }
      }
    }
  }
}

// What the GEMM needs to turn accumulators into packed output codes.
struct GemmOutput {
  const int32_t* bias;  // may be null
  const int32_t* multiplier;
  const int32_t* shift;
  int32_t zero_point, min, max, bits;
};

// One output value: removes the lane scale, adds the bias, requantizes.
template <int WB>
MPQ_ALWAYS_INLINE uint32_t finish(int32_t acc, int32_t bias, int32_t multiplier, int32_t shift,
                                  const GemmOutput& out) {
  return requantize_to_code(wrapping_add(acc >> Lanes<WB>::kScaleShift, bias), multiplier, shift,
                            out.zero_point, out.min, out.max);
}

// Every output channel of NP columns (output pixels whose packed rows start at
// pixels[q] and are already zeroed): one weight row at a time against the whole stream.
template <int WB, int NP>
void gemm_columns(const uint8_t* weights, int32_t row_bytes, int32_t channels,
                  const uint32_t* stream, const GemmOutput& out, uint8_t* const* pixels) {
  for (int32_t o = 0; o < channels; ++o) {
    int32_t acc[1][NP] = {};
    dot_rows<WB, 1, NP>(weights + static_cast<int64_t>(o) * row_bytes, row_bytes, stream, acc);
    const int32_t bias = out.bias != nullptr ? out.bias[o] : 0;
    const int32_t m = out.multiplier[o], s = out.shift[o];
    for (int32_t q = 0; q < NP; ++q) put_code(pixels[q], o, out.bits, finish<WB>(acc[0][q], bias, m, s, out));
  }
}

// gemm_columns with a run-time column count np in 1..4.
template <int WB>
inline void gemm_columns_n(int32_t np, const uint8_t* weights, int32_t row_bytes,
                           int32_t channels, const uint32_t* stream, const GemmOutput& out,
                           uint8_t* const* pixels) {
  switch (np) {
    case 4: gemm_columns<WB, 4>(weights, row_bytes, channels, stream, out, pixels); break;
    case 3: gemm_columns<WB, 3>(weights, row_bytes, channels, stream, out, pixels); break;
    case 2: gemm_columns<WB, 2>(weights, row_bytes, channels, stream, out, pixels); break;
    default: gemm_columns<WB, 1>(weights, row_bytes, channels, stream, out, pixels); break;
  }
}

// Columns per GEMM pass: each unpacked weight word meets this many output pixels.
constexpr int32_t kGemmColumns = 4;

}  // namespace mpq::kernels::detail
