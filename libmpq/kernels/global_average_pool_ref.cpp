#include <cstring>

#include "libmpq/kernels/global_average_pool.hpp"
#include "libmpq/kernels/packing.hpp"
#include "libmpq/kernels/requantize.hpp"

namespace mpq::kernels {

Status global_average_pool_ref(const GlobalAveragePoolParams& p, const uint8_t* input,
                               uint8_t* output) {
  if (input == nullptr || output == nullptr) return Status::null_pointer;
  const Status s = global_average_pool_check(p);
  if (s != Status::ok) return s;

  const int32_t pixels = p.input_h * p.input_w;
  const int32_t in_pixel = packed_row_bytes(p.channels, p.input.bits);
  std::memset(output, 0, static_cast<size_t>(packed_row_bytes(p.channels, p.output.bits)));
  for (int32_t c = 0; c < p.channels; ++c) {
    int32_t acc = -pixels * p.input.zero_point;
    for (int32_t i = 0; i < pixels; ++i) {
      acc += static_cast<int32_t>(get_unsigned(input + static_cast<int64_t>(i) * in_pixel, c, p.input.bits));
    }
    set_unsigned(output, c, p.output.bits,
                 requantize_to_code(acc, p.multiplier, p.shift, p.output.zero_point,
                                    p.output.min, p.output.max));
  }
  return Status::ok;
}

}  // namespace mpq::kernels
