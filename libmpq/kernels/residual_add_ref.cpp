#include "libmpq/kernels/detail/add_element.hpp"
#include "libmpq/kernels/packing.hpp"
#include "libmpq/kernels/residual_add.hpp"

namespace mpq::kernels {

Status residual_add_ref(const ResidualAddParams& p, const uint8_t* a, const uint8_t* b,
                        uint8_t* output) {
  if (a == nullptr || b == nullptr || output == nullptr) return Status::null_pointer;
  const Status s = residual_add_check(p);
  if (s != Status::ok) return s;

  const int32_t a_pixel = packed_row_bytes(p.channels, p.a.bits);
  const int32_t b_pixel = packed_row_bytes(p.channels, p.b.bits);
  const int32_t out_pixel = packed_row_bytes(p.channels, p.output.bits);
  const int32_t used_bits = (p.channels * p.output.bits) % 8;
  const int64_t pixels = static_cast<int64_t>(p.input_h) * p.input_w;
  for (int64_t i = 0; i < pixels; ++i) {
    const uint8_t* pa = a + i * a_pixel;
    const uint8_t* pb = b + i * b_pixel;
    uint8_t* out = output + i * out_pixel;
    // Element by element, read before write: the output may alias a or b (same bits).
    for (int32_t c = 0; c < p.channels; ++c) {
      const uint32_t y = detail::add_element(p, static_cast<int32_t>(get_unsigned(pa, c, p.a.bits)),
                                             static_cast<int32_t>(get_unsigned(pb, c, p.b.bits)));
      set_unsigned(out, c, p.output.bits, y);
    }
    if (used_bits != 0) out[out_pixel - 1] = static_cast<uint8_t>(out[out_pixel - 1] & ((1u << used_bits) - 1u));
  }
  return Status::ok;
}

}  // namespace mpq::kernels
