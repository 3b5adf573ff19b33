#include <cstring>

#include "libmpq/kernels/convolve.hpp"
#include "libmpq/kernels/depthwise_convolve.hpp"
#include "libmpq/kernels/detail/checks.hpp"
#include "libmpq/kernels/packing.hpp"
#include "libmpq/kernels/requantize.hpp"

namespace mpq::kernels {

Status depthwise_convolve_ref(const DepthwiseParams& p, const uint8_t* input,
                              const uint8_t* weights, const int32_t* bias,
                              const int32_t* multiplier, const int32_t* shift,
                              uint8_t* output) {
  if (input == nullptr || weights == nullptr || output == nullptr) return Status::null_pointer;
  const Status s = detail::first_error(depthwise_convolve_check(p),
                                       detail::check_requant(multiplier, shift, p.channels));
  if (s != Status::ok) return s;

  const int32_t out_h = conv_output_size(p.input_h, p.kernel_h, p.stride_h, p.pad_top, p.pad_bottom);
  const int32_t out_w = conv_output_size(p.input_w, p.kernel_w, p.stride_w, p.pad_left, p.pad_right);
  const int32_t in_pixel = packed_row_bytes(p.channels, p.input.bits);
  const int32_t out_pixel = packed_row_bytes(p.channels, p.output.bits);
  const int32_t w_tap = packed_row_bytes(p.channels, p.weight_bits);
  for (int32_t oy = 0; oy < out_h; ++oy) {
    for (int32_t ox = 0; ox < out_w; ++ox) {
      uint8_t* out = output + (static_cast<int64_t>(oy) * out_w + ox) * out_pixel;
      std::memset(out, 0, static_cast<size_t>(out_pixel));
      for (int32_t c = 0; c < p.channels; ++c) {
        int32_t acc = 0;
        for (int32_t ky = 0; ky < p.kernel_h; ++ky) {
          const int32_t iy = oy * p.stride_h - p.pad_top + ky;
          for (int32_t kx = 0; kx < p.kernel_w; ++kx) {
            const int32_t ix = ox * p.stride_w - p.pad_left + kx;
            const bool inside = iy >= 0 && iy < p.input_h && ix >= 0 && ix < p.input_w;
            const int32_t x =
                inside ? static_cast<int32_t>(get_unsigned(
                             input + (static_cast<int64_t>(iy) * p.input_w + ix) * in_pixel, c,
                             p.input.bits))
                       : p.input.zero_point;
            const uint8_t* w = weights + static_cast<int64_t>(ky * p.kernel_w + kx) * w_tap;
            acc += get_weight(w, c, p.weight_bits) * x;
          }
        }
        acc = wrapping_add(acc, bias != nullptr ? bias[c] : 0);
        set_unsigned(out, c, p.output.bits,
                     requantize_to_code(acc, multiplier[c], shift[c], p.output.zero_point,
                                        p.output.min, p.output.max));
      }
    }
  }
  return Status::ok;
}

}  // namespace mpq::kernels
