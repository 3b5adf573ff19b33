// Fast convolution: per group of up to 4 output pixels, their receptive fields are laid out
// once as 16-bit lanes (im2col), then every weight row is unpacked once per group and
// multiplied against all of them with SMLAD (see detail/gemm.hpp).
#include <cstring>

#include "libmpq/kernels/convolve.hpp"
#include "libmpq/kernels/detail/checks.hpp"
#include "libmpq/kernels/detail/conv_im2col.hpp"
#include "libmpq/kernels/detail/gemm.hpp"
#include "libmpq/kernels/packing.hpp"

namespace mpq::kernels {

namespace {

using namespace detail;

struct Geometry {
  int32_t out_h, out_w;
  int32_t in_pixel, out_pixel;  // bytes of one packed pixel
  int32_t tap_bytes;            // bytes of one tap of a weight row
  int32_t row_bytes, words;     // one weight row: bytes, 32-bit words
};

Geometry geometry(const ConvParams& p) {
  Geometry g;
  g.out_h = conv_output_size(p.input_h, p.kernel_h, p.stride_h, p.pad_top, p.pad_bottom);
  g.out_w = conv_output_size(p.input_w, p.kernel_w, p.stride_w, p.pad_left, p.pad_right);
  g.in_pixel = packed_row_bytes(p.input_c, p.input.bits);
  g.out_pixel = packed_row_bytes(p.output_c, p.output.bits);
  g.tap_bytes = packed_row_bytes(p.input_c, p.weight_bits);
  g.row_bytes = p.kernel_h * p.kernel_w * g.tap_bytes;
  g.words = row_words(g.row_bytes);
  return g;
}

int32_t natural_bytes(const Geometry& g, int32_t weight_bits) { return g.words * (32 / weight_bits); }
int32_t stream_bytes(const Geometry& g, int32_t weight_bits) {
  return kGemmColumns * 2 * natural_bytes(g, weight_bits);
}

// The natural bytes of the receptive field whose top left tap is input pixel (y0, x0)
// (outside the image when negative): tap t's input channels at slots
// [t * slots_per_tap, t * slots_per_tap + input_c). The other slots stay zero.
// For input.bits (XB) != weight_bits; C as in decode_pixel.
template <int XB, int C>
void gather_field(const ConvParams& p, const Geometry& g, const uint8_t* input, int32_t y0,
                  int32_t x0, uint8_t* natural) {
  const int32_t slots_per_tap = g.tap_bytes * (8 / p.weight_bits);
  const int32_t image_row = p.input_w * g.in_pixel;
  if (x0 >= 0 && x0 + p.kernel_w <= p.input_w && y0 >= 0 && y0 + p.kernel_h <= p.input_h) {
    const uint8_t* src = input + y0 * image_row + x0 * g.in_pixel;  // the common case
    for (int32_t ky = 0; ky < p.kernel_h; ++ky, src += image_row) {
      const uint8_t* x = src;
      for (int32_t kx = 0; kx < p.kernel_w; ++kx, natural += slots_per_tap, x += g.in_pixel) {
        decode_pixel<XB, C>(x, p.input_c, natural);
      }
    }
    return;
  }
  for (int32_t ky = 0; ky < p.kernel_h; ++ky) {
    const int32_t iy = y0 + ky;
    const bool y_inside = iy >= 0 && iy < p.input_h;
    const uint8_t* row = input + (y_inside ? iy * image_row : 0);
    for (int32_t kx = 0; kx < p.kernel_w; ++kx, natural += slots_per_tap) {
      const int32_t ix = x0 + kx;
      if (y_inside && ix >= 0 && ix < p.input_w) {
        decode_pixel<XB, C>(row + ix * g.in_pixel, p.input_c, natural);
      } else {
        fill_bytes(natural, static_cast<uint32_t>(p.input.zero_point), p.input_c);
      }
    }
  }
}

using GatherField = void (*)(const ConvParams&, const Geometry&, const uint8_t*, int32_t,
                             int32_t, uint8_t*);

// Constant-shift decoders for the few-channel pixels of 8-bit inputs (the network's input
// is 8-bit: the first layer's 1 or 3 channels) and for 3-channel 4-bit pixels (the border
// windows of a first layer at 4-bit input / 2-bit weights); any other pixel takes the
// generic one.
template <int XB>
GatherField field_gatherer(int32_t input_c) {
  if constexpr (XB == 8) {
    if (input_c == 1) return gather_field<XB, 1>;
    if (input_c == 3) return gather_field<XB, 3>;
  }
  if constexpr (XB == 4) {
    if (input_c == 3) return gather_field<XB, 3>;
  }
  return gather_field<XB, 0>;
}

// The masks of scatter_packed: per word of the packed field, 1 at the bits of input
// channels (every tap's padding bits and the bytes past row_bytes 0).
void field_masks(const ConvParams& p, const Geometry& g, uint32_t* mask) {
  const int32_t used_bits = p.input_c * p.input.bits;
  for (int32_t w = 0; w < g.words; ++w) {
    uint32_t m = 0;
    for (int32_t bit = 0; bit < 32; ++bit) {
      const int32_t at = w * 32 + bit;
      if (at < g.row_bytes * 8 && at % (g.tap_bytes * 8) < used_bits) m |= uint32_t{1} << bit;
    }
    mask[w] = m;
  }
}

// Lane words of each weight word that hold input channels (see detail/gemm.hpp): fewer
// than all when every tap is 1 or 2 bytes with whole lane words of padding slots.
// (Only 1 and 3 channels, the first layers' counts: each count is a GEMM of its own, about
// 2.5 kB of code on Cortex-M.)
int32_t used_lane_words(int32_t input_c, int32_t weight_bits) {
  if (weight_bits == 4 && (input_c == 1 || input_c == 3)) return input_c == 1 ? 2 : 3;
  if (weight_bits == 2 && (input_c == 1 || input_c == 3)) return 2 * input_c;
  return 32 / weight_bits / 2;
}

// Out of line, one copy each (per width and lane count for the scatters), shared by every
// instantiation of convolve_groups below: a call per pixel costs little next to the
// pixel's MACs, and inlined into each instantiation they took about 20 kB of code.
__attribute__((noinline)) void gather_packed_field(const PackedField& f, int32_t y0, int32_t x0,
                                                   uint8_t* field) {
  gather_packed(f, y0, x0, field);
}
template <int WB, int L>
__attribute__((noinline)) void scatter_packed_column(const uint8_t* field, const uint32_t* mask,
                                                     int32_t words, uint32_t* stream, int32_t q) {
  scatter_packed<WB, L>(field, mask, words, stream, q, kGemmColumns);
}
template <int WB, int L>
__attribute__((noinline)) void scatter_natural_column(const uint8_t* natural, int32_t words,
                                                      uint32_t* stream, int32_t q) {
  scatter_column<WB, L>(natural, words, stream, q, kGemmColumns);
}

// 4-bit input, 2-bit weights, input_c a multiple of 16: column q of the stream straight
// from the packed input pixels of the window at (y0, x0), no natural bytes. A weight word
// holds channels c..c+15 of a tap; its lane pair k is ({k, k+8}, {k+4, k+12}), and with the
// 16 channels as two input words a (channels 0-7, one per nibble) and b (8-15),
// lo = (a.lo, b.lo) holds channels 0-3 and 8-11 and hi = (a.hi, b.hi) 4-7 and 12-15 at the
// same nibble of each half: the pair is ((lo >> 4k) & m, (hi >> 4k) & m), m = 0x000F000F.
// Padding taps are the zero point in every lane.
__attribute__((noinline)) void stream_column_x4_w2(const ConvParams& p, const Geometry& g,
                                                   const uint8_t* input, int32_t y0, int32_t x0,
                                                   uint32_t* stream, int32_t q) {
  constexpr int32_t np = kGemmColumns;
  constexpr uint32_t m = 0x000F000Fu;
  const uint32_t zp = static_cast<uint32_t>(p.input.zero_point) * 0x00010001u;
  const int32_t groups = p.input_c / 16;  // weight words per tap
  uint32_t* out = stream + 2 * q;
  for (int32_t ky = 0; ky < p.kernel_h; ++ky) {
    const int32_t iy = y0 + ky;
    for (int32_t kx = 0; kx < p.kernel_w; ++kx) {
      const int32_t ix = x0 + kx;
      if (iy >= 0 && iy < p.input_h && ix >= 0 && ix < p.input_w) {
        const uint8_t* src = input + (iy * p.input_w + ix) * g.in_pixel;
        for (int32_t i = 0; i < groups; ++i, src += 8, out += 8 * np) {
          const uint32_t a = dsp::load32(src), b = dsp::load32(src + 4);
          const uint32_t lo = dsp::pkhbt(a, b), hi = dsp::pkhtb(b, a);
          for (int32_t k = 0; k < 4; ++k) {
            out[2 * k * np] = (lo >> (4 * k)) & m;
            out[2 * k * np + 1] = (hi >> (4 * k)) & m;
          }
        }
      } else {
        for (int32_t i = 0; i < groups; ++i, out += 8 * np) {
          for (int32_t k = 0; k < 4; ++k) {
            out[2 * k * np] = zp;
            out[2 * k * np + 1] = zp;
          }
        }
      }
    }
  }
}

// The first layer at 8 bits: 3x3 kernels of 3 channels (27-byte weight rows), 8-bit input
// and weights, full-range 8-bit outputs, every channel's multiplier below 1/2. Its rows are
// short (27 MACs per output value), so the generic GEMM's per-row and per-output work cost
// as much as its multiplies; this path keeps four accumulators that start at the bias,
// and requantizes each with SMMLA (SMMLAR when the right shift is 0), ASR and USAT: the
// zero point is folded into the rounding word, offset = round_hi + zero_point << right, so
// (high word of offset * 2^32 + acc * multiplier [+ 2^31]) >> right = r + zero_point.
// |offset| < 2^30 keeps that high word inside 32 bits (|acc * multiplier| < 2^62).
struct StemRecord {
  int32_t bias, multiplier, right, offset;  // the order the assembly loads them in
};
static_assert(sizeof(StemRecord) == sizeof(ChannelRecord), "stem records reuse the records' scratch");

constexpr int32_t kStemRowBytes = 27;

bool stem_records(const ConvParams& p, const int32_t* bias, const int32_t* multiplier,
                  const int32_t* shift, StemRecord* records) {
  if (p.input.bits != 8 || p.weight_bits != 8 || p.input_c != 3 || p.kernel_h != 3 ||
      p.kernel_w != 3 || p.output.bits != 8 || p.output.min != 0 || p.output.max != 255) {
    return false;
  }
  for (int32_t o = 0; o < p.output_c; ++o) {
    const RoundingWords w = rounding_words(multiplier[o], shift[o]);
    if (w.round_hi < 0) return false;  // a multiplier of 1/2 and above
    const int32_t right = static_cast<int32_t>(w.round_lo_right & 0xFFu);
    const int64_t offset = w.round_hi + static_cast<int64_t>(p.output.zero_point) * (int64_t{1} << right);
    if (offset >= (int64_t{1} << 30) || offset <= -(int64_t{1} << 30)) return false;
    records[o] = StemRecord{bias != nullptr ? bias[o] : 0, w.multiplier, right,
                            static_cast<int32_t>(offset)};
  }
  return true;
}

// Every output channel of 4 columns of the stream (8-bit weights, one lane pair per weight
// word: word g of column q at stream[8 g + 2 q]), outputs at rows[q]. The portable form of
// the assembly below (the host's, and the short last group's on Cortex-M).
void stem_group(const uint8_t* w, const uint32_t* stream, const StemRecord* r,
                int32_t channels, uint8_t* const* rows) {
  for (int32_t o = 0; o < channels; ++o, w += kStemRowBytes, ++r) {
    int32_t acc[kGemmColumns];
    for (int32_t q = 0; q < kGemmColumns; ++q) acc[q] = r->bias;
    for (int32_t g = 0; g < 7; ++g) {
      const uint32_t word = g < 6 ? dsp::load32(w + 4 * g) : dsp::load32(w + 23) >> 8;
      uint32_t l0, l1;
      signed_lane_pair<8>(word, 0, l0, l1);
      for (int32_t q = 0; q < kGemmColumns; ++q) {
        acc[q] = dsp::smlad(l0, stream[8 * g + 2 * q], acc[q]);
        acc[q] = dsp::smlad(l1, stream[8 * g + 2 * q + 1], acc[q]);
      }
    }
    for (int32_t q = 0; q < kGemmColumns; ++q) {
      const int64_t sum = static_cast<int64_t>(acc[q]) * r->multiplier +
                          static_cast<int64_t>(r->offset) * (int64_t{1} << 32) +
                          (r->right == 0 ? int64_t{1} << 31 : 0);
      const int32_t high = static_cast<int32_t>(sum >> 32);
      rows[q][o] = static_cast<uint8_t>(dsp::usat<8>(high >> r->right));
    }
  }
}

#if MPQ_KERNELS_DSP
// stem_group for 4 consecutive output pixels (out, out + stride, ...): registers r0
// weights, r1 stream, r2 records, r3 out, r4 stride, lr channels left, r5/r6 weight lanes,
// r7/r8 column lanes, r9-r12 the accumulators of columns 0-3. Per channel (108 MACs), 129
// instructions: 7 weight words (LDR, two SXTB16, 4 x (LDRD + 2 SMLAD)), the tail's LSR,
// 4 x (SMMLA, ASR, USAT), 4 stores and an ADD, the bias and record loads, 4 others.
extern "C" void mpq_conv_stem_group(const uint8_t* weights, const uint32_t* stream,
                                    const StemRecord* records, uint8_t* out, int32_t stride,
                                    int32_t channels);
__asm__(
    "  .section .text.mpq_conv_stem_group,\"ax\",%progbits\n"
    "  .syntax unified\n"
    "  .thumb\n"
    "  .p2align 2\n"
    "  .global mpq_conv_stem_group\n"
    "  .type mpq_conv_stem_group, %function\n"
    "  .thumb_func\n"
    "mpq_conv_stem_group:\n"
    "  push {r4-r11, lr}\n"
    "  ldr r4, [sp, #36]\n"
    "  ldr lr, [sp, #40]\n"
    "  .macro mpq_stem_column q, off\n"
    "  ldrd r7, r8, [r1, #\\off]\n"
    "  smlad r\\q, r5, r7, r\\q\n"
    "  smlad r\\q, r6, r8, r\\q\n"
    "  .endm\n"
    "  .macro mpq_stem_word g\n"
    "  ldr r6, [r0, #(4 * \\g)]\n"
    "  sxtb16 r5, r6\n"
    "  sxtb16 r6, r6, ror #8\n"
    "  mpq_stem_column 9, (32 * \\g)\n"
    "  mpq_stem_column 10, (32 * \\g + 8)\n"
    "  mpq_stem_column 11, (32 * \\g + 16)\n"
    "  mpq_stem_column 12, (32 * \\g + 24)\n"
    "  .endm\n"
    "1:\n"
    "  ldr r9, [r2]\n"  // the bias: column 0's accumulator, the others' start value
    "  ldr r6, [r0]\n"
    "  sxtb16 r5, r6\n"
    "  sxtb16 r6, r6, ror #8\n"
    "  ldrd r7, r8, [r1, #24]\n"
    "  smlad r12, r5, r7, r9\n"
    "  smlad r12, r6, r8, r12\n"
    "  ldrd r7, r8, [r1, #16]\n"
    "  smlad r11, r5, r7, r9\n"
    "  smlad r11, r6, r8, r11\n"
    "  ldrd r7, r8, [r1, #8]\n"
    "  smlad r10, r5, r7, r9\n"
    "  smlad r10, r6, r8, r10\n"
    "  mpq_stem_column 9, 0\n"
    "  mpq_stem_word 1\n"
    "  mpq_stem_word 2\n"
    "  mpq_stem_word 3\n"
    "  mpq_stem_word 4\n"
    "  mpq_stem_word 5\n"
    "  ldr r6, [r0, #23]\n"  // bytes 24-26: the word ending at the row's end, shifted down
    "  lsr r6, r6, #8\n"
    "  sxtb16 r5, r6\n"
    "  sxtb16 r6, r6, ror #8\n"
    "  mpq_stem_column 9, 192\n"
    "  mpq_stem_column 10, 200\n"
    "  mpq_stem_column 11, 208\n"
    "  mpq_stem_column 12, 216\n"
    "  .purgem mpq_stem_word\n"
    "  .purgem mpq_stem_column\n"
    "  add r0, r0, #27\n"
    "  ldm r2!, {r5, r6, r7, r8}\n"  // bias, multiplier, right, offset
    "  cbz r7, 3f\n"
    "  smmla r9, r9, r6, r8\n"
    "  smmla r10, r10, r6, r8\n"
    "  smmla r11, r11, r6, r8\n"
    "  smmla r12, r12, r6, r8\n"
    "  asr r9, r9, r7\n"
    "  asr r10, r10, r7\n"
    "  asr r11, r11, r7\n"
    "  asr r12, r12, r7\n"
    "2:\n"
    "  usat r9, #8, r9\n"
    "  usat r10, #8, r10\n"
    "  usat r11, #8, r11\n"
    "  usat r12, #8, r12\n"
    "  strb r10, [r3, r4]\n"
    "  add r5, r3, r4, lsl #1\n"
    "  strb r11, [r5]\n"
    "  strb r12, [r5, r4]\n"
    "  strb r9, [r3], #1\n"
    "  subs lr, lr, #1\n"
    "  bne 1b\n"
    "  pop {r4-r11, pc}\n"
    "3:\n"  // right shift 0: the rounding constant 2^31 too
    "  smmlar r9, r9, r6, r8\n"
    "  smmlar r10, r10, r6, r8\n"
    "  smmlar r11, r11, r6, r8\n"
    "  smmlar r12, r12, r6, r8\n"
    "  b 2b\n"
    "  .size mpq_conv_stem_group, . - mpq_conv_stem_group\n"
    "  .text\n");
#endif

// One group of the stem path: its 4 columns' outputs at rows (consecutive pixels unless
// the group is short).
__attribute__((noinline)) void stem_outputs(const uint8_t* weights, const uint32_t* stream,
                                            const StemRecord* records, int32_t channels,
                                            uint8_t* const* rows, int32_t np, int32_t stride) {
#if MPQ_KERNELS_DSP
  if (np == kGemmColumns) {
    mpq_conv_stem_group(weights, stream, records, rows[0], stride, channels);
    return;
  }
#else
  (void)np;
  (void)stride;
#endif
  stem_group(weights, stream, records, channels, rows);
}

// The outputs' parameters, and the stem records when the stem path applies.
struct ConvOutput : GemmOutputRecords {
  const StemRecord* stem;
};

// Every group has kGemmColumns columns: the last group repeats its last pixel, whose
// outputs are then written twice with the same codes (one GEMM instantiation per width
// and used lane count L).
// Packed: input.bits == WB, the field is gathered packed into the first 4 * words bytes of
// the natural area, the masks (sub-byte only) in the next 4 * words (V >= 8 there).
// Span != 0 (kernel rows of Span bytes; FusedXB: the input width when it is not WB) or
// FusedXB alone (3-channel pixels of another width): 3x3 windows inside the image go
// straight from the input rows into the stream (detail/conv_im2col.hpp).
// X4W2: 4-bit input, 2-bit weights, channels a multiple of 16 (stream_column_x4_w2).
template <int WB, int L, bool Packed, int Span = 0, int FusedXB = 0, bool X4W2 = false>
void convolve_groups(const ConvParams& p, const Geometry& g, const uint8_t* input,
                     const uint8_t* weights, const ConvOutput& out, uint32_t* stream,
                     uint8_t* natural, uint8_t* output) {
  uint32_t* mask = reinterpret_cast<uint32_t*>(natural + 4 * g.words);
  const PackedField field{input, p.input_h, p.input_w, p.kernel_h, p.kernel_w, g.in_pixel,
                          p.kernel_w * g.in_pixel, p.input_w * g.in_pixel,
                          static_cast<uint32_t>(p.input.zero_point) *
                              (WB == 8 ? 1u : (WB == 4 ? 0x11u : 0x55u))};
  if (Packed && WB != 8 && L == Lanes<WB>::kWords) field_masks(p, g, mask);
  const GatherField gather = Packed ? nullptr
                             : p.input.bits == 8 ? field_gatherer<8>(p.input_c)
                             : p.input.bits == 4 ? field_gatherer<4>(p.input_c)
                                                 : field_gatherer<2>(p.input_c);
  const int32_t pixels = g.out_h * g.out_w;
  const int32_t image_row = p.input_w * g.in_pixel;
  int32_t ox = 0, x0 = -p.pad_left, y0 = -p.pad_top;  // (y0, x0): the next window's corner
  int32_t last_y0 = 0, last_x0 = 0;  // X4W2: the last window's, repeated in a short group
  for (int32_t first = 0; first < pixels; first += kGemmColumns) {
    const int32_t np = pixels - first < kGemmColumns ? pixels - first : kGemmColumns;
    // A short last group repeats its last pixel from the natural area: gather that one.
    const int32_t fused_end = np < kGemmColumns ? np - 1 : np;
    for (int32_t q = 0; q < np; ++q) {
      bool fused = false;
      if constexpr (Span != 0 || FusedXB != 0) {
        fused = q < fused_end && x0 >= 0 && x0 + 3 <= p.input_w && y0 >= 0 && y0 + 3 <= p.input_h;
        // An 8-bit pixel word reads a byte past the pixel: not past the image's last one.
        if (Span == 0 && FusedXB == 8 && y0 + 3 == p.input_h && x0 + 3 == p.input_w) {
          fused = false;
        }
        if (fused) {
          const uint8_t* src = input + y0 * image_row + x0 * g.in_pixel;
          if constexpr (Span != 0) {
            stream_from_window<FusedXB != 0 ? FusedXB : WB, WB, L, Span>(src, image_row, stream, q);
          } else {
            stream_from_window_3ch<FusedXB, WB>(src, image_row, stream, q);
          }
        }
      }
      if (fused) {
      } else if (X4W2) {
        stream_column_x4_w2(p, g, input, y0, x0, stream, q);
        last_y0 = y0;
        last_x0 = x0;
      } else if (Packed) {
        gather_packed_field(field, y0, x0, natural);
        scatter_packed_column<WB, L>(natural, mask, g.words, stream, q);
      } else {
        gather(p, g, input, y0, x0, natural);
        scatter_natural_column<WB, L>(natural, g.words, stream, q);
      }
      x0 += p.stride_w;
      if (++ox == g.out_w) {
        ox = 0;
        x0 = -p.pad_left;
        y0 += p.stride_h;
      }
    }
    uint8_t* rows[kGemmColumns];
    uint8_t* const at = output + static_cast<int64_t>(first) * g.out_pixel;
    for (int32_t q = 0; q < kGemmColumns; ++q) {
      if (q >= np) {
        if (X4W2) {
          stream_column_x4_w2(p, g, input, last_y0, last_x0, stream, q);
        } else if (Packed) {
          scatter_packed_column<WB, L>(natural, mask, g.words, stream, q);
        } else {
          scatter_natural_column<WB, L>(natural, g.words, stream, q);
        }
      }
      rows[q] = at + (q < np ? q : np - 1) * g.out_pixel;
    }
    if constexpr (WB == 2 && L == 6) {  // 3 channels: a row of 4n + 1 bytes ends in one tap
      if ((g.row_bytes & 3) == 1) {
        compact_tail_word(stream + (g.words - 1) * L * kGemmColumns, kGemmColumns);
      }
    }
    if constexpr (WB == 8 && Span == 9) {
      if (out.stem != nullptr) {
        stem_outputs(weights, stream, out.stem, p.output_c, rows, np, g.out_pixel);
        continue;
      }
    }
    gemm_columns<WB, kGemmColumns, L, true>(weights, g.row_bytes, p.output_c, stream, out, rows);
  }
}

template <int WB, int L>
void convolve_all(const ConvParams& p, const Geometry& g, const uint8_t* input,
                  const uint8_t* weights, const ConvOutput& out, uint32_t* stream,
                  uint8_t* natural, uint8_t* output) {
  const bool k3 = p.kernel_h == 3 && p.kernel_w == 3;
  if (p.input.bits == WB) {
    // 3x3 kernels whose kernel rows are 3, 6 or 9 bytes (1 to 3 channels, at widths that
    // need no padding-bit mask) build the stream of interior windows from the input rows.
    const int32_t span = p.kernel_w * g.in_pixel;
    if constexpr (WB == 8) {
      if (k3 && span == 9) {
        convolve_groups<WB, L, true, 9>(p, g, input, weights, out, stream, natural, output);
        return;
      }
      if (k3 && span == 3) {
        convolve_groups<WB, L, true, 3>(p, g, input, weights, out, stream, natural, output);
        return;
      }
    } else if constexpr (WB == 4 && L == 3) {
      if (k3 && span == 6) {
        convolve_groups<WB, L, true, 6>(p, g, input, weights, out, stream, natural, output);
        return;
      }
    } else if constexpr (L < Lanes<WB>::kWords) {
      if (k3 && span == 3) {
        convolve_groups<WB, L, true, 3>(p, g, input, weights, out, stream, natural, output);
        return;
      }
    }
    convolve_groups<WB, L, true>(p, g, input, weights, out, stream, natural, output);
    return;
  }
  if constexpr (WB == 4 && L == 3) {
    if (k3 && p.input.bits == 8) {  // 3 channels (L = 3)
      convolve_groups<WB, L, false, 0, 8>(p, g, input, weights, out, stream, natural, output);
      return;
    }
  } else if constexpr (WB == 2 && L == 6) {
    if (k3 && p.input.bits == 4) {  // 3 channels (L = 6)
      convolve_groups<WB, L, false, 0, 4>(p, g, input, weights, out, stream, natural, output);
      return;
    }
  }
  if constexpr (WB == 2 && L == Lanes<WB>::kWords) {
    if (p.input.bits == 4 && p.input_c % 16 == 0) {
      convolve_groups<WB, L, false, 0, 0, true>(p, g, input, weights, out, stream, natural, output);
      return;
    }
  }
  if constexpr (WB != 8 && L == 2) {
    if (k3 && p.input.bits == 8) {  // 1 channel (L = 2): the network's input, grayscale
      convolve_groups<WB, L, false, 3, 8>(p, g, input, weights, out, stream, natural, output);
      return;
    }
  }
  convolve_groups<WB, L, false>(p, g, input, weights, out, stream, natural, output);
}

}  // namespace

int32_t convolve_fast_get_buffer_size(const ConvParams& p) {
  if (convolve_check(p) != Status::ok) return 0;
  const Geometry g = geometry(p);
  return stream_bytes(g, p.weight_bits) + natural_bytes(g, p.weight_bits) +
         static_cast<int32_t>(sizeof(ChannelRecord)) * p.output_c;
}

Status convolve_fast(const ConvParams& p, const uint8_t* input, const uint8_t* weights,
                     const int32_t* bias, const int32_t* multiplier, const int32_t* shift,
                     void* scratch, int32_t scratch_bytes, uint8_t* output) {
  if (input == nullptr || weights == nullptr || output == nullptr) return Status::null_pointer;
  Status s = first_error(convolve_check(p), check_requant(multiplier, shift, p.output_c));
  if (s != Status::ok) return s;
  s = check_scratch(scratch, scratch_bytes, convolve_fast_get_buffer_size(p));
  if (s != Status::ok) return s;

  const Geometry g = geometry(p);
  uint32_t* stream = static_cast<uint32_t*>(scratch);
  uint8_t* natural = static_cast<uint8_t*>(scratch) + stream_bytes(g, p.weight_bits);
  std::memset(natural, 0, static_cast<size_t>(natural_bytes(g, p.weight_bits)));
  // Each output channel's bias and rounding words, once per call rather than once per
  // weight row and group of pixels.
  ChannelRecord* records =
      reinterpret_cast<ChannelRecord*>(natural + natural_bytes(g, p.weight_bits));
  StemRecord* stem = reinterpret_cast<StemRecord*>(records);
  if (!stem_records(p, bias, multiplier, shift, stem)) {
    stem = nullptr;
    for (int32_t o = 0; o < p.output_c; ++o) {
      records[o] = ChannelRecord{bias != nullptr ? bias[o] : 0, rounding_words(multiplier[o], shift[o])};
    }
  }
  ConvOutput out;
  static_cast<GemmOutput&>(out) = GemmOutput{bias, multiplier, shift, p.output.zero_point,
                                             p.output.min, p.output.max, p.output.bits};
  out.records = records;
  out.stem = stem;
  switch (p.weight_bits * 16 + used_lane_words(p.input_c, p.weight_bits)) {
    case 8 * 16 + 2: convolve_all<8, 2>(p, g, input, weights, out, stream, natural, output); break;
    case 4 * 16 + 4: convolve_all<4, 4>(p, g, input, weights, out, stream, natural, output); break;
    case 4 * 16 + 3: convolve_all<4, 3>(p, g, input, weights, out, stream, natural, output); break;
    case 4 * 16 + 2: convolve_all<4, 2>(p, g, input, weights, out, stream, natural, output); break;
    case 2 * 16 + 8: convolve_all<2, 8>(p, g, input, weights, out, stream, natural, output); break;
    case 2 * 16 + 6: convolve_all<2, 6>(p, g, input, weights, out, stream, natural, output); break;
    default: convolve_all<2, 2>(p, g, input, weights, out, stream, natural, output); break;
  }
  return Status::ok;
}

}  // namespace mpq::kernels
