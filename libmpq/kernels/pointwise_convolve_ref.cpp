#include <cstring>

#include "libmpq/kernels/detail/checks.hpp"
#include "libmpq/kernels/packing.hpp"
#include "libmpq/kernels/pointwise_convolve.hpp"
#include "libmpq/kernels/requantize.hpp"

namespace mpq::kernels {

Status pointwise_convolve_ref(const PointwiseParams& p, const uint8_t* input,
                              const uint8_t* weights, const int32_t* bias,
                              const int32_t* multiplier, const int32_t* shift,
                              uint8_t* output) {
  if (input == nullptr || weights == nullptr || output == nullptr) return Status::null_pointer;
  const Status s = detail::first_error(pointwise_convolve_check(p),
                                       detail::check_requant(multiplier, shift, p.output_c));
  if (s != Status::ok) return s;

  const int32_t in_pixel = packed_row_bytes(p.input_c, p.input.bits);
  const int32_t out_pixel = packed_row_bytes(p.output_c, p.output.bits);
  const int32_t w_row = packed_row_bytes(p.input_c, p.weight_bits);
  const int64_t pixels = static_cast<int64_t>(p.input_h) * p.input_w;
  for (int64_t i = 0; i < pixels; ++i) {
    const uint8_t* x = input + i * in_pixel;
    uint8_t* out = output + i * out_pixel;
    std::memset(out, 0, static_cast<size_t>(out_pixel));
    for (int32_t o = 0; o < p.output_c; ++o) {
      const uint8_t* w = weights + static_cast<int64_t>(o) * w_row;
      int32_t acc = 0;
      for (int32_t c = 0; c < p.input_c; ++c) {
        acc += get_weight(w, c, p.weight_bits) * static_cast<int32_t>(get_unsigned(x, c, p.input.bits));
      }
      acc = wrapping_add(acc, bias != nullptr ? bias[o] : 0);
      set_unsigned(out, o, p.output.bits,
                   requantize_to_code(acc, multiplier[o], shift[o], p.output.zero_point,
                                      p.output.min, p.output.max));
    }
  }
  return Status::ok;
}

}  // namespace mpq::kernels
