#pragma once
// The matrix-multiply core shared by the fast convolution, pointwise convolution and fully
// connected kernels.
//
// A weight row (one output channel: its taps' packed b-bit input-channel vectors, back to
// back) is read one 32-bit word at a time and unpacked, one lane pair at a time, by
// signed_lane_pair<b>. The other operand, "columns" (one per output pixel: its receptive
// field), is prepared once per column in a "stream" of 16-bit lane words in the matching
// order, so the hot loop is one weight load, a few unpack instructions per weight word, one
// LDRD per two lane words and one SMLAD per two multiply-accumulates.
//
// Stream layout for np columns: for weight word g, for lane pair k (Lanes<b>::kWords / 2 of
// them), for column q: the two lane words 2k, 2k+1 of that column's values at slots
// [g*kValues, (g+1)*kValues) of the row. Every stream load is then sequential.
//
// Used lane words L: when every weight word of a row has the same padding slots and they
// fill whole lane words (a tap of 1 or 2 bytes: 3 channels at 4 bits leave lane word 3,
// values 3 and 7, empty; c <= 3 channels at 2 bits use lane pairs 0..c-1 only), the GEMM
// reads and multiplies only lane words 0..L-1 of each weight word; the stream then holds
// those only (L odd: after the pairs, one lane word per column).
// A column is first written as "natural" bytes, one unsigned value per slot of the weight
// row (0 for the padding slots of a tap and past the end of the row), then scattered.

#include <cstdint>
#include <cstring>

#include "libmpq/kernels/detail/channel_requant.hpp"
#include "libmpq/kernels/detail/codes.hpp"
#include "libmpq/kernels/detail/dsp.hpp"
#include "libmpq/kernels/detail/lanes.hpp"
#include "libmpq/kernels/requantize.hpp"

namespace mpq::kernels::detail {

// Weight words of a row of `row_bytes` bytes (the last one may be partial).
constexpr int32_t row_words(int32_t row_bytes) { return (row_bytes + 3) / 4; }

// Columns per GEMM pass: each unpacked weight word meets this many output pixels.
constexpr int32_t kGemmColumns = 4;

// Lane words lanes[0..L) of weight word g's values of column q -> a stream of np columns
// whose word g starts at out (see the layout above).
template <int WB, int L = Lanes<WB>::kWords>
MPQ_ALWAYS_INLINE void store_lanes(const uint32_t* lanes, uint32_t* out, int32_t q, int32_t np) {
  constexpr int32_t kPairs = L / 2;
  for (int32_t k = 0; k < kPairs; ++k) {
    out[2 * k * np + 2 * q] = lanes[2 * k];
    out[2 * k * np + 2 * q + 1] = lanes[2 * k + 1];
  }
  if constexpr (L % 2 == 1) out[2 * kPairs * np + q] = lanes[L - 1];
}

// Natural bytes of one column (words * Lanes<WB>::kValues of them) -> column q of a stream
// of np columns.
template <int WB, int L = Lanes<WB>::kWords>
MPQ_ALWAYS_INLINE void scatter_column(const uint8_t* natural, int32_t words, uint32_t* stream,
                                      int32_t q, int32_t np) {
  constexpr int32_t kValues = Lanes<WB>::kValues;
  for (int32_t g = 0; g < words; ++g, natural += kValues, stream += L * np) {
    uint32_t lanes[Lanes<WB>::kWords];
    bytes_to_lanes<WB>(natural, lanes);
    store_lanes<WB, L>(lanes, stream, q, np);
  }
}

// One weight word per row (w[o]) against the stream's next NP columns: lane words 0..L-1.
// FirstByte: only byte 0 of each weight word is non-zero (a row's 1-byte tail), so the
// second lane word of every pair (bytes 1 and 3, at every width) is zero and skipped.
template <int WB, int NO, int NP, int L = Lanes<WB>::kWords, bool FirstByte = false>
MPQ_ALWAYS_INLINE void dot_word(uint32_t* w, const uint32_t*& stream, int32_t acc[NO][NP]) {
  constexpr int32_t kPairs = L / 2;
#pragma GCC unroll 4
  for (int32_t k = 0; k < kPairs; ++k) {
    uint32_t l0[NO], l1[NO];
    for (int32_t o = 0; o < NO; ++o) signed_lane_pair<WB>(w[o], k, l0[o], l1[o]);
    for (int32_t q = 0; q < NP; ++q) {
      uint32_t x0, x1;
      if constexpr (FirstByte) {
        x0 = stream[0];
        stream += 2;
        for (int32_t o = 0; o < NO; ++o) acc[o][q] = dsp::smlad(l0[o], x0, acc[o][q]);
        continue;
      }
      dsp::load_pair_advance(stream, x0, x1);
      for (int32_t o = 0; o < NO; ++o) {
        acc[o][q] = dsp::smlad(l0[o], x0, acc[o][q]);
        acc[o][q] = dsp::smlad(l1[o], x1, acc[o][q]);
      }
    }
    // Left free, GCC unpacks all of a 2-bit word's 8 lane words up front and spills them
    // (about 0.25 instructions per MAC); one lane pair at a time fits in registers.
    if constexpr (WB == 2) {
      for (int32_t o = 0; o < NO; ++o) dsp::order_after(w[o], acc[o][NP - 1]);
    }
  }
  if constexpr (L % 2 == 1) {  // lane word L - 1: the first of pair kPairs
    uint32_t l0[NO], l1[NO];
    for (int32_t o = 0; o < NO; ++o) signed_lane_pair<WB>(w[o], kPairs, l0[o], l1[o]);
    for (int32_t q = 0; q < NP; ++q) {
      const uint32_t x0 = *stream++;
      for (int32_t o = 0; o < NO; ++o) acc[o][q] = dsp::smlad(l0[o], x0, acc[o][q]);
    }
  }
}

// The one-byte tail word of 2-bit rows of 3-channel taps (L = 6: a row of 4n + 1 bytes,
// its last tap alone in byte 0 of the word, values 0-2 at bits 0-5), against a compacted
// stream word (compact_tail_word): per column, lane word 0 of pair 0 holds the tap's value
// 0 as before (its high lane meets a zero weight) and lane word 1 values 1 and 2, so one
// LDRD and two SMLADs per column instead of three loads and three SMLADs.
template <int NO, int NP>
MPQ_ALWAYS_INLINE void dot_tail_3ch(const uint32_t* w, const uint32_t* stream,
                                    int32_t acc[NO][NP]) {
  uint32_t wa[NO], wb[NO];
  for (int32_t o = 0; o < NO; ++o) {  // each value in the top bits of its byte: * 2^6
    wa[o] = dsp::sxtb16((w[o] << 6) & 0xC0u);
    wb[o] = dsp::sxtb16(((w[o] << 4) & 0xC0u) | ((w[o] << 18) & 0xC00000u));
  }
  for (int32_t q = 0; q < NP; ++q) {
    uint32_t x0, x1;
    dsp::load_pair_advance(stream, x0, x1);
    for (int32_t o = 0; o < NO; ++o) {
      acc[o][q] = dsp::smlad(wa[o], x0, acc[o][q]);
      acc[o][q] = dsp::smlad(wb[o], x1, acc[o][q]);
    }
  }
}

// Rewrites the stream's last word group (L = 6, np columns) for dot_tail_3ch: column q's
// lane word 1 of pair 0 (unused: it meets bytes 1 and 3 of the weight word, past the row)
// becomes (value 1, value 2) of the tap, from lane words 0 of pairs 1 and 2.
MPQ_ALWAYS_INLINE void compact_tail_word(uint32_t* t, int32_t np) {
  for (int32_t q = 0; q < np; ++q) t[2 * q + 1] = dsp::pkhbt(t[2 * np + 2 * q], t[4 * np + 2 * q]);
}

// acc[o][q] += dot(weight row o, column q) * 2^Lanes<WB>::kScaleShift for NO rows that are
// row_bytes apart, against a stream of NP columns: the accumulator of the kernels' contract
// (weights count as code * 2^(8 - WB), quant_params.hpp), requantized as it is.
template <int WB, int NO, int NP, int L = Lanes<WB>::kWords>
MPQ_ALWAYS_INLINE void dot_rows(const uint8_t* w, int32_t row_bytes, const uint32_t* stream,
                                int32_t acc[NO][NP]) {
  const int32_t full = row_bytes >> 2;
  const int32_t tail = row_bytes & 3;
  const uint8_t* rows[NO];
  for (int32_t o = 0; o < NO; ++o) rows[o] = w + o * row_bytes;
  uint32_t words[NO];
#pragma GCC unroll 2
  for (int32_t g = 0; g < full; ++g) {
    for (int32_t o = 0; o < NO; ++o) words[o] = dsp::load32_advance(rows[o]);
    dot_word<WB, NO, NP, L>(words, stream, acc);
  }
  if (tail != 0) {
    if (full != 0) {
      // The word that ends where the row does, shifted down: no byte loads, no branch per
      // byte, and never a read outside the row.
      const uint32_t shift = 32 - 8 * static_cast<uint32_t>(tail);
      for (int32_t o = 0; o < NO; ++o) words[o] = dsp::load32(rows[o] + tail - 4) >> shift;
    } else {
      for (int32_t o = 0; o < NO; ++o) words[o] = dsp::load32_partial(rows[o], tail);
    }
    // 2 bits only: at 8 and 4 bits the extra loop cost more than it saved (GCC's register
    // allocation of the row loop), and their 3-channel rows do not end in one byte.
    if (WB == 2 && L == 6 && tail == 1) {
      dot_tail_3ch<NO, NP>(words, stream, acc);
    } else if (WB == 2 && tail == 1) {
      dot_word<WB, NO, NP, L, WB == 2>(words, stream, acc);
    } else {
      dot_word<WB, NO, NP, L>(words, stream, acc);
    }
  }
}

// One output channel's bias and rounding words, worked out once per call (the convolution
// keeps them in its scratch: gemm_columns<..., Records = true>).
struct ChannelRecord {
  int32_t bias;
  RoundingWords words;
};
static_assert(sizeof(ChannelRecord) == 16, "the convolution's scratch size counts 16 bytes per channel");

// What the GEMM needs to turn accumulators into packed output codes.
struct GemmOutput {
  const int32_t* bias;  // may be null
  const int32_t* multiplier;
  const int32_t* shift;
  int32_t zero_point, min, max, bits;

  MPQ_ALWAYS_INLINE ChannelRequant channel(int32_t o) const {
    return ChannelRequant::make(bias != nullptr ? bias[o] : 0, multiplier[o], shift[o],
                                zero_point, min, max);
  }
};

// A GemmOutput with each output channel's record (gemm_columns<..., Records = true>).
struct GemmOutputRecords : GemmOutput {
  const ChannelRecord* records;
};

// Every output channel of NP columns (output pixels whose packed rows start at
// pixels[q]; every byte is written, padding bits zero): one weight row at a time against
// the whole stream.
template <int WB, int NP, int L = Lanes<WB>::kWords, bool Records = false>
void gemm_columns(const uint8_t* weights, int32_t row_bytes, int32_t channels,
                  const uint32_t* stream, const GemmOutput& output, uint8_t* const* pixels) {
  // Local copies: stores through the uint8_t output pointers may alias anything, and
  // would otherwise force the parameters to be reloaded after every output byte.
  const GemmOutput out = output;
  uint8_t* px[NP];
  for (int32_t q = 0; q < NP; ++q) px[q] = pixels[q];
  const uint8_t* w = weights;
  // Full-range outputs (no ReLU6-style clamp): the clamp is one USAT.
  const bool full = out.min == 0 && out.max == (1 << out.bits) - 1;
  const int32_t mode = full ? out.bits : 0;
  const ChannelRecord* record = nullptr;
  if constexpr (Records) record = static_cast<const GemmOutputRecords&>(output).records;
  for (int32_t o = 0; o < channels; ++o, w += row_bytes) {
    int32_t acc[1][NP] = {};
    dot_rows<WB, 1, NP, L>(w, row_bytes, stream, acc);
    // (Records: from the channel's record; written this way, GCC compiles both forms best.)
    const ChannelRequant rq =
        Records ? ChannelRequant{record->bias, record->words, out.min - out.zero_point,
                                 out.max - out.zero_point, out.zero_point}
                : out.channel(o);
    if constexpr (Records) ++record;
    if (mode == 8) {
      for (int32_t q = 0; q < NP; ++q) {
        px[q][o] = static_cast<uint8_t>(rq.code_full_range<8>(acc[0][q]));
      }
    } else if (out.bits == 8) {
      for (int32_t q = 0; q < NP; ++q) {
        px[q][o] = static_cast<uint8_t>(rq.code(acc[0][q]));
      }
    } else {
      // The first code of each byte is stored (zeroing the byte's other bits), the others
      // are ORed in: the output needs no zeroing first.
      const int32_t bit = o * out.bits;
      uint32_t codes[NP];
      for (int32_t q = 0; q < NP; ++q) {
        const int32_t a = acc[0][q];
        codes[q] = mode == 4   ? rq.code_full_range<4>(a)
                   : mode == 2 ? rq.code_full_range<2>(a)
                               : rq.code(a);
      }
      if ((bit & 7) == 0) {
        for (int32_t q = 0; q < NP; ++q) px[q][bit >> 3] = static_cast<uint8_t>(codes[q]);
      } else {
        for (int32_t q = 0; q < NP; ++q) {
          uint8_t& byte = px[q][bit >> 3];
          byte = static_cast<uint8_t>(byte | (codes[q] << (bit & 7)));
        }
      }
    }
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

}  // namespace mpq::kernels::detail
