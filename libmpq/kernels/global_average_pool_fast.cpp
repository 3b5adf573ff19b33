// Fast global average pooling: per 32-bit word of channels, pixels are summed in 16-bit
// lanes (the lanes.hpp unpacking; at most 255 per pixel, so 256 pixels fit a lane), then
// the lanes are flushed into 32-bit sums.
#include <cstring>

#include "libmpq/kernels/detail/codes.hpp"
#include "libmpq/kernels/detail/dsp.hpp"
#include "libmpq/kernels/detail/lanes.hpp"
#include "libmpq/kernels/global_average_pool.hpp"
#include "libmpq/kernels/packing.hpp"
#include "libmpq/kernels/requantize.hpp"

namespace mpq::kernels {

namespace {

using namespace detail;

constexpr int32_t kLanePixels = 256;  // 256 * 255 < 2^16

template <int XB>
void pool(const GlobalAveragePoolParams& p, const uint8_t* input, uint8_t* output) {
  using L = Lanes<XB>;
  const int32_t pixels = p.input_h * p.input_w;
  const int32_t in_pixel = packed_row_bytes(p.channels, p.input.bits);
  const int32_t words = (in_pixel + 3) / 4;
  const int32_t offset = -pixels * p.input.zero_point;
  for (int32_t g = 0; g < words; ++g) {
    const int32_t valid = in_pixel - 4 * g;  // bytes of this word inside the pixel
    int32_t sums[L::kValues] = {};
    for (int32_t first = 0; first < pixels; first += kLanePixels) {
      const int32_t end = pixels - first < kLanePixels ? pixels : first + kLanePixels;
      uint32_t lanes[L::kWords] = {};
      const uint8_t* px = input + static_cast<int64_t>(first) * in_pixel + 4 * g;
      for (int32_t i = first; i < end; ++i, px += in_pixel) {
        uint32_t x[L::kWords];
        unpack_unsigned<XB>(valid >= 4 ? dsp::load32(px) : dsp::load32_partial(px, valid), x);
        for (int32_t j = 0; j < L::kWords; ++j) lanes[j] += x[j];
      }
      for (int32_t j = 0; j < L::kWords; ++j) {
        sums[L::kOrder[2 * j]] += static_cast<int32_t>(lanes[j] & 0xFFFFu);
        sums[L::kOrder[2 * j + 1]] += static_cast<int32_t>(lanes[j] >> 16);
      }
    }
    const int32_t first_channel = g * L::kValues;
    int32_t count = p.channels - first_channel;
    if (count > L::kValues) count = L::kValues;
    uint8_t codes[L::kValues];
    for (int32_t k = 0; k < count; ++k) {
      codes[k] = static_cast<uint8_t>(requantize_to_code(sums[k] + offset, p.multiplier, p.shift,
                                                         p.output.zero_point, p.output.min,
                                                         p.output.max));
    }
    pack_codes(codes, count, p.output.bits, output + first_channel * p.output.bits / 8);
  }
}

}  // namespace

template <int XB>
Status global_average_pool_fast_bits(const GlobalAveragePoolParams& p, const uint8_t* input,
                                uint8_t* output) {
  if (input == nullptr || output == nullptr) return Status::null_pointer;
  const Status s = global_average_pool_check(p);
  if (s != Status::ok) return s;
  if (p.input.bits != XB) return Status::bad_bits;  // only the generic entry dispatches
  pool<XB>(p, input, output);
  return Status::ok;
}

template Status global_average_pool_fast_bits<8>(const GlobalAveragePoolParams& p, const uint8_t* input,
                                uint8_t* output);
template Status global_average_pool_fast_bits<4>(const GlobalAveragePoolParams& p, const uint8_t* input,
                                uint8_t* output);
template Status global_average_pool_fast_bits<2>(const GlobalAveragePoolParams& p, const uint8_t* input,
                                uint8_t* output);

Status global_average_pool_fast(const GlobalAveragePoolParams& p, const uint8_t* input,
                                uint8_t* output) {
  switch (p.input.bits) {
    case 8: return global_average_pool_fast_bits<8>(p, input, output);
    case 4: return global_average_pool_fast_bits<4>(p, input, output);
    default: return global_average_pool_fast_bits<2>(p, input, output);  // other widths: its check refuses them
  }
}

}  // namespace mpq::kernels
