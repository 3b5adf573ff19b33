// Fast residual add: chunks of 32 channels are unpacked to bytes, added, and packed back
// (a chunk is whole bytes at every bit width, and is read completely before it is written,
// which keeps output == a or b valid).
#include "libmpq/kernels/detail/add_element.hpp"
#include "libmpq/kernels/detail/codes.hpp"
#include "libmpq/kernels/packing.hpp"
#include "libmpq/kernels/residual_add.hpp"

namespace mpq::kernels {

namespace {
constexpr int32_t kChunk = 32;
}

Status residual_add_fast(const ResidualAddParams& p, const uint8_t* a, const uint8_t* b,
                         uint8_t* output) {
  if (a == nullptr || b == nullptr || output == nullptr) return Status::null_pointer;
  const Status s = residual_add_check(p);
  if (s != Status::ok) return s;

  const int32_t a_pixel = packed_row_bytes(p.channels, p.a.bits);
  const int32_t b_pixel = packed_row_bytes(p.channels, p.b.bits);
  const int32_t out_pixel = packed_row_bytes(p.channels, p.output.bits);
  const int64_t pixels = static_cast<int64_t>(p.input_h) * p.input_w;
  uint8_t ca[kChunk], cb[kChunk], co[kChunk];
  for (int64_t i = 0; i < pixels; ++i) {
    const uint8_t* pa = a + i * a_pixel;
    const uint8_t* pb = b + i * b_pixel;
    uint8_t* out = output + i * out_pixel;
    for (int32_t first = 0; first < p.channels; first += kChunk) {
      const int32_t n = p.channels - first < kChunk ? p.channels - first : kChunk;
      detail::unpack_codes(pa + first * p.a.bits / 8, n, p.a.bits, ca);
      detail::unpack_codes(pb + first * p.b.bits / 8, n, p.b.bits, cb);
      for (int32_t k = 0; k < n; ++k) co[k] = static_cast<uint8_t>(detail::add_element(p, ca[k], cb[k]));
      detail::pack_codes(co, n, p.output.bits, out + first * p.output.bits / 8);
    }
  }
  return Status::ok;
}

}  // namespace mpq::kernels
