// Fast convolution: per group of up to 4 output pixels, their receptive fields are laid out
// once as 16-bit lanes (im2col), then every weight row is unpacked once per group and
// multiplied against all of them with SMLAD (see detail/gemm.hpp). The 8-bit first layer
// (3x3 kernels, 3 channels) multiplies in a loop of its own: convolve_stem.cpp.
#include <cstring>

#include "libmpq/kernels/convolve.hpp"
#include "libmpq/kernels/detail/checks.hpp"
#include "libmpq/kernels/detail/conv_im2col.hpp"
#include "libmpq/kernels/detail/convolve_stem.hpp"
#include "libmpq/kernels/detail/gemm.hpp"
#include "libmpq/kernels/detail/stream_column_x4_w2.hpp"
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
        stream_column_x4_w2(p, g.in_pixel, input, y0, x0, stream, q);
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
          stream_column_x4_w2(p, g.in_pixel, input, last_y0, last_x0, stream, q);
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
        convolve_stem_group(weights, stream, out.stem, p.output_c, rows, np, g.out_pixel);
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

template <int WB>
Status convolve_fast_bits(const ConvParams& p, const uint8_t* input, const uint8_t* weights,
                     const int32_t* bias, const int32_t* multiplier, const int32_t* shift,
                     void* scratch, int32_t scratch_bytes, uint8_t* output) {
  if (input == nullptr || weights == nullptr || output == nullptr) return Status::null_pointer;
  Status s = first_error(convolve_check(p), check_requant(multiplier, shift, p.output_c));
  if (s != Status::ok) return s;
  if (p.weight_bits != WB) return Status::bad_bits;  // only the generic entry dispatches
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
  // The lane count in the weight word, as used_lane_words gives it for WB.
  const int32_t lanes = used_lane_words(p.input_c, WB);
  if constexpr (WB == 8) {
    convolve_all<8, 2>(p, g, input, weights, out, stream, natural, output);
  } else if constexpr (WB == 4) {
    if (lanes == 4) convolve_all<4, 4>(p, g, input, weights, out, stream, natural, output);
    else if (lanes == 3) convolve_all<4, 3>(p, g, input, weights, out, stream, natural, output);
    else convolve_all<4, 2>(p, g, input, weights, out, stream, natural, output);
  } else {
    if (lanes == 8) convolve_all<2, 8>(p, g, input, weights, out, stream, natural, output);
    else if (lanes == 6) convolve_all<2, 6>(p, g, input, weights, out, stream, natural, output);
    else convolve_all<2, 2>(p, g, input, weights, out, stream, natural, output);
  }
  return Status::ok;
}

template Status convolve_fast_bits<8>(const ConvParams& p, const uint8_t* input, const uint8_t* weights,
                     const int32_t* bias, const int32_t* multiplier, const int32_t* shift,
                     void* scratch, int32_t scratch_bytes, uint8_t* output);
template Status convolve_fast_bits<4>(const ConvParams& p, const uint8_t* input, const uint8_t* weights,
                     const int32_t* bias, const int32_t* multiplier, const int32_t* shift,
                     void* scratch, int32_t scratch_bytes, uint8_t* output);
template Status convolve_fast_bits<2>(const ConvParams& p, const uint8_t* input, const uint8_t* weights,
                     const int32_t* bias, const int32_t* multiplier, const int32_t* shift,
                     void* scratch, int32_t scratch_bytes, uint8_t* output);

Status convolve_fast(const ConvParams& p, const uint8_t* input, const uint8_t* weights,
                     const int32_t* bias, const int32_t* multiplier, const int32_t* shift,
                     void* scratch, int32_t scratch_bytes, uint8_t* output) {
  switch (p.weight_bits) {
    case 8: return convolve_fast_bits<8>(p, input, weights, bias, multiplier, shift, scratch, scratch_bytes, output);
    case 4: return convolve_fast_bits<4>(p, input, weights, bias, multiplier, shift, scratch, scratch_bytes, output);
    default: return convolve_fast_bits<2>(p, input, weights, bias, multiplier, shift, scratch, scratch_bytes, output);  // other widths: its check refuses them
  }
}

}  // namespace mpq::kernels
