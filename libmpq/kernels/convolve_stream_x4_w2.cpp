#include "libmpq/kernels/detail/stream_column_x4_w2.hpp"

#include "libmpq/kernels/detail/dsp.hpp"
#include "libmpq/kernels/detail/gemm.hpp"

namespace mpq::kernels::detail {

void stream_column_x4_w2(const ConvParams& p, int32_t in_pixel, const uint8_t* input, int32_t y0, int32_t x0,
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
        const uint8_t* src = input + (iy * p.input_w + ix) * in_pixel;
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

}  // namespace mpq::kernels::detail
