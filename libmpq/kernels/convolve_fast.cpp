// Fast convolution: per group of up to 4 output pixels, their receptive fields are laid out
// once as 16-bit lanes (im2col), then every weight row is unpacked once per group and
// multiplied against all of them with SMLAD (see detail/gemm.hpp).
#include <cstring>

#include "libmpq/kernels/convolve.hpp"
#include "libmpq/kernels/detail/checks.hpp"
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

// n bytes from src to dst (any alignment): words, the last one overlapping the one before
// (so no byte loop) when n >= 4.
MPQ_ALWAYS_INLINE void copy_bytes(uint8_t* dst, const uint8_t* src, int32_t n) {
  if (n >= 4) {
    const int32_t last = n - 4;
    for (int32_t i = 0; i < last; i += 4) dsp::store32(dst + i, dsp::load32(src + i));
    dsp::store32(dst + last, dsp::load32(src + last));
  } else {
    for (int32_t i = 0; i < n; ++i) dst[i] = src[i];
  }
}
MPQ_ALWAYS_INLINE void fill_bytes(uint8_t* dst, uint32_t byte, int32_t n) {
  if (n >= 4) {
    const uint32_t word = byte * 0x01010101u;
    const int32_t last = n - 4;
    for (int32_t i = 0; i < last; i += 4) dsp::store32(dst + i, word);
    dsp::store32(dst + last, word);
  } else {
    for (int32_t i = 0; i < n; ++i) dst[i] = static_cast<uint8_t>(byte);
  }
}

// The receptive field of output pixel (oy, ox) as the input's packed pixels, tap after
// tap, the zero-point pixel (`pad_byte` in every byte) outside the image: with
// input.bits == weight_bits this is the weight row's own layout (tap t at byte
// t * tap_bytes), so each of its words unpacks to the lanes of the matching weight word.
// A kernel row inside the image is one contiguous copy (span bytes).
struct PackedField {
  const uint8_t* input;
  int32_t input_h, input_w, kernel_h, kernel_w;
  int32_t pixel, span, image_row;  // bytes: one pixel, one kernel row of the field, one image row
  uint32_t pad_byte;
};

MPQ_ALWAYS_INLINE void gather_packed(const PackedField& f, int32_t y0, int32_t x0, uint8_t* field) {
  const bool x_inside = x0 >= 0 && x0 + f.kernel_w <= f.input_w;
  if (x_inside && y0 >= 0 && y0 + f.kernel_h <= f.input_h) {  // the common case
    const uint8_t* src = f.input + y0 * f.image_row + x0 * f.pixel;
    const int32_t span = f.span;
    if (span >= 4 && span <= 12) {
      // Words at 0, mid and span - 4 cover the span (each gap at most 4 bytes); where they
      // overlap they write the same bytes.
      const int32_t last = span - 4, mid = last >> 1;
      for (int32_t ky = 0; ky < f.kernel_h; ++ky, field += span, src += f.image_row) {
        const uint32_t a = dsp::load32(src), b = dsp::load32(src + mid);
        const uint32_t c = dsp::load32(src + last);
        dsp::store32(field, a);
        dsp::store32(field + mid, b);
        dsp::store32(field + last, c);
      }
    } else if (span == 2 || span == 3) {  // halfwords at 0 and span - 2
      const int32_t last = span - 2;
      for (int32_t ky = 0; ky < f.kernel_h; ++ky, field += span, src += f.image_row) {
        uint16_t a, b;
        std::memcpy(&a, src, 2);
        std::memcpy(&b, src + last, 2);
        std::memcpy(field, &a, 2);
        std::memcpy(field + last, &b, 2);
      }
    } else {
      for (int32_t ky = 0; ky < f.kernel_h; ++ky, field += span, src += f.image_row) {
        copy_bytes(field, src, span);
      }
    }
    return;
  }
  for (int32_t ky = 0; ky < f.kernel_h; ++ky, field += f.span) {
    const int32_t iy = y0 + ky;
    if (iy < 0 || iy >= f.input_h) {
      fill_bytes(field, f.pad_byte, f.span);
      continue;
    }
    const uint8_t* row = f.input + iy * f.image_row;
    if (x_inside) {
      copy_bytes(field, row + x0 * f.pixel, f.span);
      continue;
    }
    for (int32_t kx = 0; kx < f.kernel_w; ++kx) {
      const int32_t ix = x0 + kx;
      if (ix >= 0 && ix < f.input_w) {
        copy_bytes(field + kx * f.pixel, row + ix * f.pixel, f.pixel);
      } else {
        fill_bytes(field + kx * f.pixel, f.pad_byte, f.pixel);
      }
    }
  }
}

// The packed field (row_bytes of it, then zeros up to the last word) -> column q of the
// stream. mask clears the padding bits of each tap (garbage in the input); unused at 8
// bits and when L < kWords.
template <int WB, int L>
MPQ_ALWAYS_INLINE void scatter_packed(const uint8_t* field, const uint32_t* mask, int32_t words,
                                      uint32_t* stream, int32_t q, int32_t np) {
  for (int32_t g = 0; g < words; ++g, field += 4, stream += L * np) {
    uint32_t x = dsp::load32(field);
    // With fewer lane words used, every padding bit lies in a lane word never multiplied.
    if constexpr (WB != 8 && L == Lanes<WB>::kWords) x &= mask[g];
    uint32_t lanes[Lanes<WB>::kWords];
    unpack_unsigned<WB>(x, lanes);
    store_lanes<WB, L>(lanes, stream, q, np);
  }
}

// One input pixel's C codes (XB bits each; C = 0: input_c of them, any count) -> one byte
// each. Few-channel layers (the first layer of a network: 1 or 3 channels) decode with
// constant shifts.
template <int XB, int C>
MPQ_ALWAYS_INLINE void decode_pixel(const uint8_t* x, int32_t input_c, uint8_t* dst) {
  if constexpr (C == 0) {
    if (XB == 8) {
      copy_bytes(dst, x, input_c);
    } else {
      unpack_codes(x, input_c, XB, dst);
    }
  } else if constexpr (XB == 8) {
    for (int32_t c = 0; c < C; ++c) dst[c] = x[c];
  } else {
    const uint32_t v = C * XB > 8 ? x[0] | (uint32_t{x[1]} << 8) : x[0];
    for (int32_t c = 0; c < C; ++c) {
      dst[c] = static_cast<uint8_t>((v >> (c * XB)) & ((1u << XB) - 1u));
    }
  }
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

template <int XB>
GatherField field_gatherer(int32_t input_c) {
  switch (input_c) {
    case 1: return gather_field<XB, 1>;
    case 2: return gather_field<XB, 2>;
    case 3: return gather_field<XB, 3>;
    default: return gather_field<XB, 0>;
  }
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

// The 3 kernel rows of Span bytes of an interior window (at src, image_row apart), as
// packed field words, straight into column q of the stream: the field of gather_packed
// without the copy. For the first layers' spans (3x3 kernels of 1 or 3 channels; equal
// input and weight widths; no padding-bit mask needed). A word that spans two kernel rows
// is the end of one (the word ending there, shifted down) ORed with the start of the next;
// no load leaves the window's rows.
template <int Span>
MPQ_ALWAYS_INLINE uint32_t row_start(const uint8_t* row) {  // bytes [0, min(Span, 4))
  if constexpr (Span >= 4) {
    return dsp::load32(row);
  } else {
    uint16_t h;
    std::memcpy(&h, row, 2);
    return Span == 3 ? h | (uint32_t{row[2]} << 16) : h;
  }
}
template <int Span>
MPQ_ALWAYS_INLINE uint32_t row_end(const uint8_t* row, int32_t n) {  // the last n bytes
  if constexpr (Span >= 4) {
    return dsp::load32(row + Span - 4) >> (8 * (4 - n));
  } else {
    return row_start<Span>(row) >> (8 * (Span - n));
  }
}
template <int WB, int L, int Span>
MPQ_ALWAYS_INLINE void stream_from_window(const uint8_t* src, int32_t image_row,
                                          uint32_t* stream, int32_t q) {
  static_assert(Span >= 3, "a field word spans at most two kernel rows");
  constexpr int32_t kRows = 3;
  constexpr int32_t kWords = (kRows * Span + 3) / 4;
  const uint8_t* rows[kRows] = {src, src + image_row, src + 2 * image_row};
#pragma GCC unroll 8
  for (int32_t g = 0; g < kWords; ++g, stream += L * kGemmColumns) {
    const int32_t at = 4 * g, ky = at / Span, off = at % Span;
    uint32_t x;
    if (off + 4 <= Span) {
      x = dsp::load32(rows[ky] + off);
    } else {
      const int32_t n = Span - off;  // bytes of this word in row ky
      x = row_end<Span>(rows[ky], n);
      if (ky + 1 < kRows) {
        const int32_t more = 4 - n;  // bytes from row ky + 1, 1 to 3
        const uint32_t next = row_start<Span>(rows[ky + 1]) & ((uint32_t{1} << (8 * more)) - 1u);
        x |= next << (8 * n);
      }
    }
    uint32_t lanes[Lanes<WB>::kWords];
    unpack_unsigned<WB>(x, lanes);
    store_lanes<WB, L>(lanes, stream, q, kGemmColumns);
  }
}

// Lane words of each weight word that hold input channels (see detail/gemm.hpp): fewer
// than all when every tap is 1 or 2 bytes with whole lane words of padding slots.
int32_t used_lane_words(int32_t input_c, int32_t weight_bits) {
  if (weight_bits == 4 && input_c <= 3) return input_c == 1 ? 2 : (input_c == 3 ? 3 : 4);
  if (weight_bits == 2 && input_c <= 3) return 2 * input_c;
  return 32 / weight_bits / 2;
}

// Every group has kGemmColumns columns: the last group repeats its last pixel, whose
// outputs are then written twice with the same codes (one GEMM instantiation per width).
// Packed: input.bits == WB, the field is gathered packed into the first 4 * words bytes of
// the natural area, the masks (sub-byte only) in the next 4 * words (V >= 8 there).
template <int WB, int L, bool Packed, int Span = 0>
void convolve_groups(const ConvParams& p, const Geometry& g, const uint8_t* input,
                     const uint8_t* weights, const GemmOutput& out, uint32_t* stream,
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
  for (int32_t first = 0; first < pixels; first += kGemmColumns) {
    const int32_t np = pixels - first < kGemmColumns ? pixels - first : kGemmColumns;
    // A short last group repeats its last pixel from the natural area: gather that one.
    const int32_t fused_end = np < kGemmColumns ? np - 1 : np;
    for (int32_t q = 0; q < np; ++q) {
      bool fused = false;
      if constexpr (Span != 0) {
        fused = q < fused_end && x0 >= 0 && x0 + 3 <= p.input_w && y0 >= 0 && y0 + 3 <= p.input_h;
        if (fused) {
          stream_from_window<WB, L, Span>(input + y0 * image_row + x0 * g.in_pixel, image_row,
                                          stream, q);
        }
      }
      if (fused) {
      } else if (Packed) {
        gather_packed(field, y0, x0, natural);
        scatter_packed<WB, L>(natural, mask, g.words, stream, q, kGemmColumns);
      } else {
        gather(p, g, input, y0, x0, natural);
        scatter_column<WB, L>(natural, g.words, stream, q, kGemmColumns);
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
        if (Packed) {
          scatter_packed<WB, L>(natural, mask, g.words, stream, q, kGemmColumns);
        } else {
          scatter_column<WB, L>(natural, g.words, stream, q, kGemmColumns);
        }
      }
      rows[q] = at + (q < np ? q : np - 1) * g.out_pixel;
    }
    gemm_columns<WB, kGemmColumns, L>(weights, g.row_bytes, p.output_c, stream, out, rows);
  }
}

template <int WB, int L>
void convolve_all(const ConvParams& p, const Geometry& g, const uint8_t* input,
                  const uint8_t* weights, const GemmOutput& out, uint32_t* stream,
                  uint8_t* natural, uint8_t* output) {
  if (p.input.bits == WB) {
    // 3x3 kernels of 1 (or 3: 8 bits, 4-bit weights with 3 lane words) channels build the
    // stream straight from the input rows where the window is inside the image.
    const bool k3 = p.kernel_h == 3 && p.kernel_w == 3;
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
  } else {
    convolve_groups<WB, L, false>(p, g, input, weights, out, stream, natural, output);
  }
}

}  // namespace

int32_t convolve_fast_get_buffer_size(const ConvParams& p) {
  if (convolve_check(p) != Status::ok) return 0;
  const Geometry g = geometry(p);
  return stream_bytes(g, p.weight_bits) + natural_bytes(g, p.weight_bits);
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
  const GemmOutput out{bias, multiplier, shift, p.output.zero_point, p.output.min,
                       p.output.max, p.output.bits};
  switch (p.weight_bits * 16 + used_lane_words(p.input_c, p.weight_bits)) {
    case 8 * 16 + 2: convolve_all<8, 2>(p, g, input, weights, out, stream, natural, output); break;
    case 4 * 16 + 4: convolve_all<4, 4>(p, g, input, weights, out, stream, natural, output); break;
    case 4 * 16 + 3: convolve_all<4, 3>(p, g, input, weights, out, stream, natural, output); break;
    case 4 * 16 + 2: convolve_all<4, 2>(p, g, input, weights, out, stream, natural, output); break;
    case 2 * 16 + 8: convolve_all<2, 8>(p, g, input, weights, out, stream, natural, output); break;
    case 2 * 16 + 6: convolve_all<2, 6>(p, g, input, weights, out, stream, natural, output); break;
    case 2 * 16 + 4: convolve_all<2, 4>(p, g, input, weights, out, stream, natural, output); break;
    default: convolve_all<2, 2>(p, g, input, weights, out, stream, natural, output); break;
  }
  return Status::ok;
}

}  // namespace mpq::kernels
