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

// The natural bytes of the receptive field of output pixel (oy, ox): tap t's input channels
// at slots [t * slots_per_tap, t * slots_per_tap + input_c). The other slots stay zero.
void gather_field(const ConvParams& p, const Geometry& g, const uint8_t* input, int32_t oy,
                  int32_t ox, uint8_t* natural) {
  const int32_t slots_per_tap = g.tap_bytes * (8 / p.weight_bits);
  for (int32_t ky = 0; ky < p.kernel_h; ++ky) {
    const int32_t iy = oy * p.stride_h - p.pad_top + ky;
    for (int32_t kx = 0; kx < p.kernel_w; ++kx) {
      const int32_t ix = ox * p.stride_w - p.pad_left + kx;
      uint8_t* dst = natural + (ky * p.kernel_w + kx) * slots_per_tap;
      if (iy >= 0 && iy < p.input_h && ix >= 0 && ix < p.input_w) {
        unpack_codes(input + (static_cast<int64_t>(iy) * p.input_w + ix) * g.in_pixel,
                     p.input_c, p.input.bits, dst);
      } else {
        std::memset(dst, p.input.zero_point, static_cast<size_t>(p.input_c));
      }
    }
  }
}

template <int WB>
void convolve_groups(const ConvParams& p, const Geometry& g, const uint8_t* input,
                     const uint8_t* weights, const GemmOutput& out, uint32_t* stream,
                     uint8_t* natural, uint8_t* output) {
  const int32_t pixels = g.out_h * g.out_w;
  int32_t oy = 0, ox = 0;
  for (int32_t first = 0; first < pixels; first += kGemmColumns) {
    const int32_t np = pixels - first < kGemmColumns ? pixels - first : kGemmColumns;
    uint8_t* rows[kGemmColumns];
    for (int32_t q = 0; q < np; ++q) {
      gather_field(p, g, input, oy, ox, natural);
      scatter_column<WB>(natural, g.words, stream, q, np);
      rows[q] = output + static_cast<int64_t>(first + q) * g.out_pixel;
      if (++ox == g.out_w) {
        ox = 0;
        ++oy;
      }
    }
    std::memset(rows[0], 0, static_cast<size_t>(np * g.out_pixel));
    gemm_columns_n<WB>(np, weights, g.row_bytes, p.output_c, stream, out, rows);
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
  switch (p.weight_bits) {
    case 8: convolve_groups<8>(p, g, input, weights, out, stream, natural, output); break;
    case 4: convolve_groups<4>(p, g, input, weights, out, stream, natural, output); break;
    default: convolve_groups<2>(p, g, input, weights, out, stream, natural, output); break;
  }
  return Status::ok;
}

}  // namespace mpq::kernels
