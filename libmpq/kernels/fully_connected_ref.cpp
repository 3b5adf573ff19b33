#include <cstring>

#include "libmpq/kernels/detail/checks.hpp"
#include "libmpq/kernels/fully_connected.hpp"
#include "libmpq/kernels/packing.hpp"
#include "libmpq/kernels/requantize.hpp"

namespace mpq::kernels {

Status fully_connected_ref(const FullyConnectedParams& p, const uint8_t* input,
                           const uint8_t* weights, const int32_t* bias,
                           const int32_t* multiplier, const int32_t* shift, uint8_t* output) {
  if (input == nullptr || weights == nullptr || output == nullptr) return Status::null_pointer;
  const Status s = detail::first_error(fully_connected_check(p),
                                       detail::check_requant(multiplier, shift, p.output_c));
  if (s != Status::ok) return s;

  const int32_t w_row = packed_row_bytes(p.input_c, p.weight_bits);
  std::memset(output, 0, static_cast<size_t>(packed_row_bytes(p.output_c, p.output.bits)));
  for (int32_t o = 0; o < p.output_c; ++o) {
    const uint8_t* w = weights + static_cast<int64_t>(o) * w_row;
    int32_t acc = 0;
    for (int32_t c = 0; c < p.input_c; ++c) {
      acc += get_weight(w, c, p.weight_bits) * static_cast<int32_t>(get_unsigned(input, c, p.input.bits));
    }
    acc = wrapping_add(acc, bias != nullptr ? bias[o] : 0);
    set_unsigned(output, o, p.output.bits,
                 requantize_to_code(acc, multiplier[o], shift[o], p.output.zero_point,
                                    p.output.min, p.output.max));
  }
  return Status::ok;
}

}  // namespace mpq::kernels
