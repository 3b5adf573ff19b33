#include <cstring>

#include "libmpq/kernels/convolve.hpp"
#include "libmpq/kernels/detail/pool_window.hpp"
#include "libmpq/kernels/max_pool.hpp"
#include "libmpq/kernels/packing.hpp"

namespace mpq::kernels {

Status max_pool_ref(const MaxPoolParams& p, const uint8_t* input, uint8_t* output) {
  if (input == nullptr || output == nullptr) return Status::null_pointer;
  const Status s = max_pool_check(p);
  if (s != Status::ok) return s;

  const PoolGeometry& g = p.geometry;
  const int32_t out_h = conv_output_size(g.input_h, g.kernel_h, g.stride_h, g.pad_top, g.pad_bottom);
  const int32_t out_w = conv_output_size(g.input_w, g.kernel_w, g.stride_w, g.pad_left, g.pad_right);
  const int32_t row = packed_row_bytes(g.channels, p.bits);
  std::memset(output, 0, static_cast<size_t>(activation_bytes(out_h, out_w, g.channels, p.bits)));
  for (int32_t oy = 0; oy < out_h; ++oy) {
    const detail::AxisWindow ys = detail::axis_window(oy, g.stride_h, g.pad_top, g.kernel_h, g.input_h);
    for (int32_t ox = 0; ox < out_w; ++ox) {
      const detail::AxisWindow xs = detail::axis_window(ox, g.stride_w, g.pad_left, g.kernel_w, g.input_w);
      uint8_t* out = output + static_cast<int64_t>(oy * out_w + ox) * row;
      for (int32_t c = 0; c < g.channels; ++c) {
        uint32_t best = 0;  // every code is >= 0 and the window is never empty
        for (int32_t y = ys.begin; y < ys.end; ++y) {
          for (int32_t x = xs.begin; x < xs.end; ++x) {
            const uint32_t v = get_unsigned(input + static_cast<int64_t>(y * g.input_w + x) * row, c, p.bits);
            best = v > best ? v : best;
          }
        }
        set_unsigned(out, c, p.bits, best);
      }
    }
  }
  return Status::ok;
}

}  // namespace mpq::kernels
