#pragma once
// The im2col of the fast convolution (convolve_fast.cpp): receptive fields -> columns of the
// GEMM's lane stream (detail/gemm.hpp). With equal input and weight widths a field is the
// input's packed pixels, tap after tap, which is the weight row's own layout; otherwise
// one byte per value ("natural" bytes, see gemm.hpp).

#include <cstdint>
#include <cstring>

#include "libmpq/kernels/detail/codes.hpp"
#include "libmpq/kernels/detail/dsp.hpp"
#include "libmpq/kernels/detail/gemm.hpp"
#include "libmpq/kernels/detail/lanes.hpp"

namespace mpq::kernels::detail {

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

// The receptive field whose top left tap is input pixel (y0, x0) as the input's packed
// pixels, tap after tap, the zero-point pixel (`pad_byte` in every byte) outside the
// image: with input.bits == weight_bits this is the weight row's own layout (tap t at byte
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

// The 3 kernel rows of Span bytes of an interior window (at src, image_row apart), as
// packed field words, straight into column q of the stream: the field of gather_packed
// without the copy. For the first layers' spans (3x3 kernels of 1 or 3 channels; equal
// input and weight widths, XB = WB, with no padding-bit mask needed; or one 8-bit channel,
// XB = 8, whose 4 taps per word meet the first lane pair of every weight width). A word that spans two kernel rows
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
template <int XB, int WB, int L, int Span>
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
    unpack_unsigned<XB>(x, lanes);
    store_lanes<WB, L>(lanes, stream, q, kGemmColumns);
  }
}

// The same for 3-channel pixels whose input width differs from the weights': 8-bit input
// into 4-bit weight lanes (a weight word is 2 taps of 4 slots: lane words (c0, c0'),
// (c2, c2'), (c1, c1'); the 4th slot is never multiplied) and 4-bit input into 2-bit lanes
// (a weight word is 4 taps of 1 byte: lane words (t0.c_k, t2.c_k), (t1.c_k, t3.c_k) for
// channel k). An 8-bit pixel is read as a word, one byte past it: the caller keeps the
// image's last pixel off this path.
template <int XB, int WB>
MPQ_ALWAYS_INLINE void stream_from_window_3ch(const uint8_t* src, int32_t image_row,
                                              uint32_t* stream, int32_t q) {
  static_assert((XB == 8 && WB == 4) || (XB == 4 && WB == 2), "8 -> 4 or 4 -> 2 bits");
  constexpr int32_t kPixel = XB == 8 ? 3 : 2;
  constexpr int32_t kTapsPerWord = WB == 4 ? 2 : 4;
  constexpr int32_t kL = WB == 4 ? 3 : 6;
  constexpr int32_t kWords = (9 + kTapsPerWord - 1) / kTapsPerWord;
  const uint8_t* rows[3] = {src, src + image_row, src + 2 * image_row};
#pragma GCC unroll 8
  for (int32_t g = 0; g < kWords; ++g, stream += kL * kGemmColumns) {
    uint32_t lanes[Lanes<WB>::kWords];
    if constexpr (XB == 8) {
      const int32_t t = 2 * g;
      const uint32_t a = dsp::load32(rows[t / 3] + (t % 3) * kPixel);
      const uint32_t b = t + 1 < 9 ? dsp::load32(rows[(t + 1) / 3] + ((t + 1) % 3) * kPixel) : 0u;
      const uint32_t a02 = dsp::uxtb16(a), b02 = dsp::uxtb16(b);
      lanes[0] = dsp::pkhbt(a02, b02);                                  // (c0, c0')
      lanes[1] = dsp::pkhtb(b02, a02);                                  // (c2, c2')
      lanes[2] = dsp::pkhbt(dsp::uxtb16_ror8(a), dsp::uxtb16_ror8(b));  // (c1, c1')
    } else {
      uint32_t px[4];
      for (int32_t i = 0; i < 4; ++i) {
        const int32_t t = 4 * g + i;
        uint16_t h = 0;
        if (t < 9) std::memcpy(&h, rows[t / 3] + (t % 3) * kPixel, 2);
        px[i] = h;
      }
      const uint32_t p02 = px[0] | (px[2] << 16), p13 = px[1] | (px[3] << 16);
      for (int32_t k = 0; k < 3; ++k) {
        lanes[2 * k] = (p02 >> (4 * k)) & 0x000F000Fu;
        lanes[2 * k + 1] = (p13 >> (4 * k)) & 0x000F000Fu;
      }
    }
    store_lanes<WB, kL>(lanes, stream, q, kGemmColumns);
  }
}

}  // namespace mpq::kernels::detail
