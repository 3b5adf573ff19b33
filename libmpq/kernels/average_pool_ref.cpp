#include <cstring>

#include "libmpq/kernels/average_pool.hpp"
#include "libmpq/kernels/convolve.hpp"
#include "libmpq/kernels/detail/pool_window.hpp"
#include "libmpq/kernels/packing.hpp"

namespace mpq::kernels {

Status average_pool_ref(const AveragePoolParams& p, const uint8_t* input, uint8_t* output) {
  if (input == nullptr || output == nullptr) return Status::null_pointer;
  const Status s = average_pool_check(p);
  if (s != Status::ok) return s;

  const PoolGeometry& g = p.geometry;
  const int32_t bits = p.activation.bits, zero_point = p.activation.zero_point;
  const int32_t out_h = conv_output_size(g.input_h, g.kernel_h, g.stride_h, g.pad_top, g.pad_bottom);
  const int32_t out_w = conv_output_size(g.input_w, g.kernel_w, g.stride_w, g.pad_left, g.pad_right);
  const int32_t row = packed_row_bytes(g.channels, bits);
  std::memset(output, 0, static_cast<size_t>(activation_bytes(out_h, out_w, g.channels, bits)));
  for (int32_t oy = 0; oy < out_h; ++oy) {
    const detail::AxisWindow ys = detail::axis_window(oy, g.stride_h, g.pad_top, g.kernel_h, g.input_h);
    for (int32_t ox = 0; ox < out_w; ++ox) {
      const detail::AxisWindow xs = detail::axis_window(ox, g.stride_w, g.pad_left, g.kernel_w, g.input_w);
      const int32_t inside = (ys.end - ys.begin) * (xs.end - xs.begin);
      const int32_t n = p.count_include_pad ? g.kernel_h * g.kernel_w : inside;
      uint8_t* out = output + static_cast<int64_t>(oy * out_w + ox) * row;
      for (int32_t c = 0; c < g.channels; ++c) {
        int32_t acc = 0;  // padded positions add real 0
        for (int32_t y = ys.begin; y < ys.end; ++y) {
          for (int32_t x = xs.begin; x < xs.end; ++x) {
            acc += static_cast<int32_t>(get_unsigned(input + static_cast<int64_t>(y * g.input_w + x) * row, c, bits)) -
                   zero_point;
          }
        }
        set_unsigned(out, c, bits, static_cast<uint32_t>(zero_point + detail::rounded_mean(acc, n)));
      }
    }
  }
  return Status::ok;
}

}  // namespace mpq::kernels
