// Fast average pooling: per 32-bit word of a pixel's packed channels, the window's codes are
// summed in 16-bit lanes (the lanes.hpp unpacking, as global_average_pool_fast; at most 255
// per value, so 256 positions fit a lane) and flushed into 32-bit sums, then each channel's
// rounded mean is packed.
#include "libmpq/kernels/average_pool.hpp"
#include "libmpq/kernels/convolve.hpp"
#include "libmpq/kernels/detail/codes.hpp"
#include "libmpq/kernels/detail/dsp.hpp"
#include "libmpq/kernels/detail/lanes.hpp"
#include "libmpq/kernels/detail/pool_window.hpp"
#include "libmpq/kernels/packing.hpp"

namespace mpq::kernels {

namespace {

using namespace detail;

constexpr int32_t kLanePositions = 256;  // 256 * 255 < 2^16

template <int B>
void pool(const AveragePoolParams& p, const uint8_t* input, uint8_t* output) {
  using L = Lanes<B>;
  const PoolGeometry& g = p.geometry;
  const int32_t zero_point = p.activation.zero_point;
  const int32_t out_h = conv_output_size(g.input_h, g.kernel_h, g.stride_h, g.pad_top, g.pad_bottom);
  const int32_t out_w = conv_output_size(g.input_w, g.kernel_w, g.stride_w, g.pad_left, g.pad_right);
  const int32_t row = packed_row_bytes(g.channels, B);
  for (int32_t oy = 0; oy < out_h; ++oy) {
    const AxisWindow ys = axis_window(oy, g.stride_h, g.pad_top, g.kernel_h, g.input_h);
    for (int32_t ox = 0; ox < out_w; ++ox) {
      const AxisWindow xs = axis_window(ox, g.stride_w, g.pad_left, g.kernel_w, g.input_w);
      const int32_t inside = (ys.end - ys.begin) * (xs.end - xs.begin);
      const int32_t n = p.count_include_pad ? g.kernel_h * g.kernel_w : inside;
      const int32_t offset = -inside * zero_point;  // padded positions add real 0
      uint8_t* out = output + static_cast<int64_t>(oy * out_w + ox) * row;
      for (int32_t word = 0; 4 * word < row; ++word) {
        const int32_t valid = row - 4 * word;  // bytes of this word inside the pixel
        int32_t sums[L::kValues] = {};
        uint32_t lanes[L::kWords] = {};
        int32_t batched = 0;
        const auto flush = [&]() {
          for (int32_t j = 0; j < L::kWords; ++j) {
            sums[L::kOrder[2 * j]] += static_cast<int32_t>(lanes[j] & 0xFFFFu);
            sums[L::kOrder[2 * j + 1]] += static_cast<int32_t>(lanes[j] >> 16);
            lanes[j] = 0;
          }
          batched = 0;
        };
        for (int32_t y = ys.begin; y < ys.end; ++y) {
          const uint8_t* px = input + static_cast<int64_t>(y * g.input_w + xs.begin) * row + 4 * word;
          for (int32_t x = xs.begin; x < xs.end; ++x, px += row) {
            uint32_t v[L::kWords];
            unpack_unsigned<B>(valid >= 4 ? dsp::load32(px) : dsp::load32_partial(px, valid), v);
            for (int32_t j = 0; j < L::kWords; ++j) lanes[j] += v[j];
            if (++batched == kLanePositions) flush();
          }
        }
        flush();
        const int32_t first_channel = word * L::kValues;
        int32_t count = g.channels - first_channel;
        if (count > L::kValues) count = L::kValues;
        uint8_t codes[L::kValues];
        for (int32_t k = 0; k < count; ++k) {
          codes[k] = static_cast<uint8_t>(zero_point + rounded_mean(sums[k] + offset, n));
        }
        pack_codes(codes, count, B, out + 4 * word);
      }
    }
  }
}

}  // namespace

template <int B>
Status average_pool_fast_bits(const AveragePoolParams& p, const uint8_t* input, uint8_t* output) {
  if (input == nullptr || output == nullptr) return Status::null_pointer;
  const Status s = average_pool_check(p);
  if (s != Status::ok) return s;
  if (p.activation.bits != B) return Status::bad_bits;  // only the generic entry dispatches
  pool<B>(p, input, output);
  return Status::ok;
}

template Status average_pool_fast_bits<8>(const AveragePoolParams& p, const uint8_t* input, uint8_t* output);
template Status average_pool_fast_bits<4>(const AveragePoolParams& p, const uint8_t* input, uint8_t* output);
template Status average_pool_fast_bits<2>(const AveragePoolParams& p, const uint8_t* input, uint8_t* output);

Status average_pool_fast(const AveragePoolParams& p, const uint8_t* input, uint8_t* output) {
  switch (p.activation.bits) {
    case 8: return average_pool_fast_bits<8>(p, input, output);
    case 4: return average_pool_fast_bits<4>(p, input, output);
    default: return average_pool_fast_bits<2>(p, input, output);  // other widths: its check refuses them
  }
}

}  // namespace mpq::kernels
