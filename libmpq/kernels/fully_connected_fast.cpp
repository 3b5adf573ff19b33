// Fast fully connected layer: the input vector becomes a 16-bit lane stream once (or, for
// 8-bit inputs and few outputs, is unpacked in place), then several weight rows at a time
// are unpacked and multiplied against it: each input load serves all of them (the lane
// layout is detail/gemm.hpp's one-column stream).
#include <cstring>

#include "libmpq/kernels/detail/checks.hpp"
#include "libmpq/kernels/detail/gemm.hpp"
#include "libmpq/kernels/fully_connected.hpp"
#include "libmpq/kernels/packing.hpp"

namespace mpq::kernels {

namespace {

using namespace detail;

int32_t natural_bytes(const FullyConnectedParams& p) {
  return row_words(packed_row_bytes(p.input_c, p.weight_bits)) * (32 / p.weight_bits);
}

// Rows per pass: each stream load serves that many weight rows. Three rows, their
// accumulators, pointers and one lane pair in flight fit the 14 allocatable registers.
constexpr int32_t kRows = 3;

// Lane pair k of each row's word w[o] against the next lane-word pair of the stream.
// order_after makes each row's unpacking wait for the row before it: left free, GCC
// unpacks every row ahead and spills the lane words.
template <int WB, int NO>
MPQ_ALWAYS_INLINE void dot_pair(uint32_t& w0, uint32_t& w1, uint32_t& w2, int32_t k,
                                const uint32_t*& stream, int32_t& a0, int32_t& a1,
                                int32_t& a2) {
  uint32_t x0, x1, l0, l1;
  dsp::load_pair_advance(stream, x0, x1);
  signed_lane_pair<WB>(w0, k, l0, l1);
  a0 = dsp::smlad(l1, x1, dsp::smlad(l0, x0, a0));
  if constexpr (NO > 1) {
    dsp::order_after(w1, a0);
    signed_lane_pair<WB>(w1, k, l0, l1);
    a1 = dsp::smlad(l1, x1, dsp::smlad(l0, x0, a1));
  }
  if constexpr (NO > 2) {
    dsp::order_after(w2, a1);
    signed_lane_pair<WB>(w2, k, l0, l1);
    a2 = dsp::smlad(l1, x1, dsp::smlad(l0, x0, a2));
  }
  dsp::order_after(w0, NO > 2 ? a2 : (NO > 1 ? a1 : a0));
}

template <int WB, int NO>
MPQ_ALWAYS_INLINE void dot_word(uint32_t w0, uint32_t w1, uint32_t w2, const uint32_t*& stream,
                                int32_t& a0, int32_t& a1, int32_t& a2) {
#pragma GCC unroll 4
  for (int32_t k = 0; k < Lanes<WB>::kWords / 2; ++k) {
    dot_pair<WB, NO>(w0, w1, w2, k, stream, a0, a1, a2);
  }
}

// Outputs o..o+NO-1 (NO <= 3). One pointer walks row o; rows o+1 and o+2 are read at
// row_bytes and 2 * row_bytes from it (one register for both), before it advances.
template <int WB, int NO>
MPQ_ALWAYS_INLINE void rows_pass(const GemmOutput& out, int32_t o, const uint8_t* weights,
                                 int32_t row_bytes, const uint32_t* stream, uint8_t* output) {
  const uint8_t* w = weights + static_cast<int64_t>(o) * row_bytes;
  const uint8_t* const end = w + (row_bytes & ~3);
  int32_t a0 = 0, a1 = 0, a2 = 0;
  while (w != end) {
    const uint32_t w1 = NO > 1 ? dsp::load32_at(w, row_bytes) : 0;
    const uint32_t w2 = NO > 2 ? dsp::load32_at_scaled<1>(w, row_bytes) : 0;
    // Advancing w before the loads above would make GCC copy it.
    dsp::order_after(w, w1);
    dsp::order_after(w, w2);
    const uint32_t w0 = dsp::load32_advance(w);
    dot_word<WB, NO>(w0, w1, w2, stream, a0, a1, a2);
  }
  if (const int32_t tail = row_bytes & 3; tail != 0) {
    const uint32_t w0 = dsp::load32_partial(w, tail);
    const uint32_t w1 = NO > 1 ? dsp::load32_partial(w + row_bytes, tail) : 0;
    const uint32_t w2 = NO > 2 ? dsp::load32_partial(w + 2 * row_bytes, tail) : 0;
    dot_word<WB, NO>(w0, w1, w2, stream, a0, a1, a2);
  }
  const int32_t acc[3] = {a0, a1, a2};
  for (int32_t k = 0; k < NO; ++k) {
    put_code(output, o + k, out.bits, out.channel(o + k).code(acc[k]));
  }
}

// 8-bit weights: up to 5 rows per pass. Row o's word is loaded just before its multiplies,
// so only one is live: 5 accumulators, the row pointer, 2 offsets, the end, the stream
// pointer and 4 temporaries fill the 14 allocatable registers.
constexpr int32_t kRows8 = 5;

// The word of row o (0 < o < 5) at p: rows are row_bytes (rb) apart, rb3 = 3 * rb.
template <int O>
MPQ_ALWAYS_INLINE uint32_t row_word(const uint8_t* p, int32_t rb, int32_t rb3) {
  if constexpr (O == 1) return dsp::load32_at(p, rb);
  if constexpr (O == 2) return dsp::load32_at_scaled<1>(p, rb);
  if constexpr (O == 3) return dsp::load32_at(p, rb3);
  return dsp::load32_at_scaled<2>(p, rb);
}

template <int O>
MPQ_ALWAYS_INLINE void dot_row8(uint32_t word, uint32_t x0, uint32_t x1, int32_t& acc) {
  acc = dsp::smlad(dsp::sxtb16_ror8(word), x1, dsp::smlad(dsp::sxtb16(word), x0, acc));
}

// Where rows_pass8 takes the input's lane words from: the stream, or, for 8-bit inputs
// read by few passes, the input itself (two UXTB16 per word and pass instead of building
// the stream once: cheaper up to 3 passes).
struct StreamLanes {
  const uint32_t* p;
  MPQ_ALWAYS_INLINE void next(uint32_t& x0, uint32_t& x1) { dsp::load_pair_advance(p, x0, x1); }
};
struct InputLanes {
  const uint8_t* p;  // read-only during the call: the output must not overlap the input
  MPQ_ALWAYS_INLINE void next(uint32_t& x0, uint32_t& x1) {
    const uint32_t x = dsp::load32_advance(p);
    x0 = dsp::uxtb16(x);
    x1 = dsp::uxtb16_ror8(x);
  }
};
constexpr int32_t kMaxInputPasses = 3;

template <int NO, typename Source>
MPQ_ALWAYS_INLINE void rows_pass8(const GemmOutput& out, int32_t o, const uint8_t* weights,
                                  int32_t row_bytes, Source stream, uint8_t* output) {
  static_assert(NO >= 1 && NO <= kRows8, "row_word reaches 5 rows");
  const uint8_t* w = weights + static_cast<int64_t>(o) * row_bytes;
  const uint8_t* const end = w + (row_bytes & ~3);
  int32_t rb = row_bytes, rb3 = 3 * row_bytes;
  int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0;
  while (w != end) {
    uint32_t x0, x1;
    stream.next(x0, x1);
    // Each row's load waits for the previous row's multiplies (see dot_pair), through the
    // register it addresses with: a copy of the pointer would cost a register.
    if constexpr (NO > 1) dot_row8<1>(row_word<1>(w, rb, rb3), x0, x1, a1);
    if constexpr (NO > 2) {
      dsp::order_after(rb, a1);
      dot_row8<2>(row_word<2>(w, rb, rb3), x0, x1, a2);
    }
    if constexpr (NO > 3) {
      dsp::order_after(rb3, a2);
      dot_row8<3>(row_word<3>(w, rb, rb3), x0, x1, a3);
    }
    if constexpr (NO > 4) {
      dsp::order_after(rb, a3);
      dot_row8<4>(row_word<4>(w, rb, rb3), x0, x1, a4);
    }
    dsp::order_after(w, NO > 4 ? a4 : (NO > 3 ? a3 : (NO > 2 ? a2 : a1)));
    dot_row8<0>(dsp::load32_advance(w), x0, x1, a0);
  }
  if (const int32_t tail = row_bytes & 3; tail != 0) {  // only with StreamLanes
    uint32_t x0, x1;
    stream.next(x0, x1);
    int32_t* const acc[5] = {&a0, &a1, &a2, &a3, &a4};
    for (int32_t k = 0; k < NO; ++k) {
      dot_row8<0>(dsp::load32_partial(w + k * rb, tail), x0, x1, *acc[k]);
    }
  }
  const int32_t acc[5] = {a0, a1, a2, a3, a4};
  if (out.bits == 8) {  // tested once per pass, not per output
    for (int32_t k = 0; k < NO; ++k) {
      output[o + k] = static_cast<uint8_t>(out.channel(o + k).code(acc[k]));
    }
  } else {
    for (int32_t k = 0; k < NO; ++k) {
      put_code(output, o + k, out.bits, out.channel(o + k).code(acc[k]));
    }
  }
}

// All output rows of 8-bit weights, kRows8 per pass.
template <typename Source>
void fully_connected_rows8(const FullyConnectedParams& p, const uint8_t* weights,
                           const GemmOutput& out, Source stream, uint8_t* output) {
  const int32_t row_bytes = p.input_c;
  int32_t o = 0;
  for (; o + kRows8 <= p.output_c; o += kRows8) {
    rows_pass8<kRows8>(out, o, weights, row_bytes, stream, output);
  }
  switch (p.output_c - o) {
    case 4: rows_pass8<4>(out, o, weights, row_bytes, stream, output); break;
    case 3: rows_pass8<3>(out, o, weights, row_bytes, stream, output); break;
    case 2: rows_pass8<2>(out, o, weights, row_bytes, stream, output); break;
    case 1: rows_pass8<1>(out, o, weights, row_bytes, stream, output); break;
    default: break;
  }
}

// Scratch: a one-column stream of `words` weight words' lane words (2 bytes per value),
// then the natural bytes (1 byte per value).
template <int WB>
void fully_connected_rows(const FullyConnectedParams& p, const uint8_t* input,
                          const uint8_t* weights, const GemmOutput& out, void* scratch,
                          uint8_t* output) {
  const GemmOutput local = out;  // not aliased by the output stores
  const int32_t row_bytes = p.input_c * WB / 8 + (p.input_c * WB % 8 != 0);
  const int32_t words = row_words(row_bytes);
  uint32_t* stream = static_cast<uint32_t*>(scratch);
  uint8_t* natural = static_cast<uint8_t*>(scratch) + 2 * words * Lanes<WB>::kValues;
  const bool whole_words = p.input.bits == 8 && p.input_c % Lanes<WB>::kValues == 0;
  if constexpr (WB == 8) {
    if (whole_words && p.output_c <= kMaxInputPasses * kRows8) {
      fully_connected_rows8(p, weights, local, InputLanes{input}, output);
      return;
    }
  }
  if (whole_words) {
    scatter_column<WB>(input, words, stream, 0, 1);
  } else {
    unpack_codes(input, p.input_c, p.input.bits, natural);
    std::memset(natural + p.input_c, 0,
                static_cast<size_t>(words * Lanes<WB>::kValues - p.input_c));
    scatter_column<WB>(natural, words, stream, 0, 1);
  }
  if constexpr (WB == 8) {
    fully_connected_rows8(p, weights, local, StreamLanes{stream}, output);
    return;
  }
  int32_t o = 0;
  for (; o + kRows <= p.output_c; o += kRows) {
    rows_pass<WB, kRows>(local, o, weights, row_bytes, stream, output);
  }
  if (p.output_c - o >= 2) {
    rows_pass<WB, 2>(local, o, weights, row_bytes, stream, output);
    o += 2;
  }
  if (o < p.output_c) rows_pass<WB, 1>(local, o, weights, row_bytes, stream, output);
}

// A one-column stream (2 bytes per value) and the natural bytes.
int32_t scratch_bytes_of(const FullyConnectedParams& p) { return 3 * natural_bytes(p); }

}  // namespace

int32_t fully_connected_fast_get_buffer_size(const FullyConnectedParams& p) {
  if (fully_connected_check(p) != Status::ok) return 0;
  return scratch_bytes_of(p);
}

template <int WB>
Status fully_connected_fast_bits(const FullyConnectedParams& p, const uint8_t* input,
                            const uint8_t* weights, const int32_t* bias,
                            const int32_t* multiplier, const int32_t* shift, void* scratch,
                            int32_t scratch_bytes, uint8_t* output) {
  if (input == nullptr || weights == nullptr || output == nullptr) return Status::null_pointer;
  Status s = first_error(fully_connected_check(p), check_requant(multiplier, shift, p.output_c));
  if (s != Status::ok) return s;
  if (p.weight_bits != WB) return Status::bad_bits;  // only the generic entry dispatches
  s = check_scratch(scratch, scratch_bytes, scratch_bytes_of(p));  // p is valid: no second check
  if (s != Status::ok) return s;

  // Sub-byte outputs are ORed into zeroed bytes; 8-bit ones are all written.
  if (p.output.bits != 8) {
    std::memset(output, 0, static_cast<size_t>(packed_row_bytes(p.output_c, p.output.bits)));
  }
  const GemmOutput out{bias, multiplier, shift, p.output.zero_point, p.output.min,
                       p.output.max, p.output.bits};
  fully_connected_rows<WB>(p, input, weights, out, scratch, output);
  return Status::ok;
}

template Status fully_connected_fast_bits<8>(const FullyConnectedParams& p, const uint8_t* input,
                            const uint8_t* weights, const int32_t* bias,
                            const int32_t* multiplier, const int32_t* shift, void* scratch,
                            int32_t scratch_bytes, uint8_t* output);
template Status fully_connected_fast_bits<4>(const FullyConnectedParams& p, const uint8_t* input,
                            const uint8_t* weights, const int32_t* bias,
                            const int32_t* multiplier, const int32_t* shift, void* scratch,
                            int32_t scratch_bytes, uint8_t* output);
template Status fully_connected_fast_bits<2>(const FullyConnectedParams& p, const uint8_t* input,
                            const uint8_t* weights, const int32_t* bias,
                            const int32_t* multiplier, const int32_t* shift, void* scratch,
                            int32_t scratch_bytes, uint8_t* output);

Status fully_connected_fast(const FullyConnectedParams& p, const uint8_t* input,
                            const uint8_t* weights, const int32_t* bias,
                            const int32_t* multiplier, const int32_t* shift, void* scratch,
                            int32_t scratch_bytes, uint8_t* output) {
  switch (p.weight_bits) {
    case 8: return fully_connected_fast_bits<8>(p, input, weights, bias, multiplier, shift, scratch, scratch_bytes, output);
    case 4: return fully_connected_fast_bits<4>(p, input, weights, bias, multiplier, shift, scratch, scratch_bytes, output);
    default: return fully_connected_fast_bits<2>(p, input, weights, bias, multiplier, shift, scratch, scratch_bytes, output);  // other widths: its check refuses them
  }
}

}  // namespace mpq::kernels
