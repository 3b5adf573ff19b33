#include "libmpq/kernels/fold_input_zero_point.hpp"

#include "libmpq/kernels/packing.hpp"
#include "libmpq/kernels/requantize.hpp"

namespace mpq::kernels {

namespace {

// rows x taps x count packed weights, `depth` of them summed per output.
Status check(const uint8_t* weights, int32_t rows, int32_t taps, int32_t count, int32_t bits,
             int32_t zero_point, const int32_t* bias_out, int64_t depth) {
  if (weights == nullptr || bias_out == nullptr) return Status::null_pointer;
  if (!is_valid_bits(bits)) return Status::bad_bits;
  if (conv_weight_bytes(rows, taps, 1, count, bits) == 0) return Status::bad_shape;
  if (depth > kMaxReductionDepth) return Status::too_deep;
  if (zero_point < 0 || zero_point > 255) return Status::bad_zero_point;
  return Status::ok;
}

int32_t fold(const int32_t* bias_in, int32_t i, int32_t zero_point, int32_t weight_sum) {
  // |zero_point * weight_sum| <= 255 * 128 * kMaxReductionDepth < 2^31.
  return wrapping_add(bias_in != nullptr ? bias_in[i] : 0, -(zero_point * weight_sum));
}

}  // namespace

Status fold_input_zero_point(const uint8_t* weights, int32_t out_channels, int32_t taps,
                             int32_t in_channels, int32_t weight_bits,
                             int32_t input_zero_point, const int32_t* bias_in,
                             int32_t* bias_out) {
  const Status s = check(weights, out_channels, taps, in_channels, weight_bits,
                         input_zero_point, bias_out, static_cast<int64_t>(taps) * in_channels);
  if (s != Status::ok) return s;
  const int32_t tap_bytes = packed_row_bytes(in_channels, weight_bits);
  for (int32_t o = 0; o < out_channels; ++o) {
    int32_t sum = 0;
    for (int32_t t = 0; t < taps; ++t) {
      const uint8_t* row = weights + (static_cast<int64_t>(o) * taps + t) * tap_bytes;
      for (int32_t c = 0; c < in_channels; ++c) sum += get_weight(row, c, weight_bits);
    }
    bias_out[o] = fold(bias_in, o, input_zero_point, sum);
  }
  return Status::ok;
}

Status fold_input_zero_point_depthwise(const uint8_t* weights, int32_t taps, int32_t channels,
                                       int32_t weight_bits, int32_t input_zero_point,
                                       const int32_t* bias_in, int32_t* bias_out) {
  const Status s =
      check(weights, 1, taps, channels, weight_bits, input_zero_point, bias_out, taps);
  if (s != Status::ok) return s;
  const int32_t tap_bytes = packed_row_bytes(channels, weight_bits);
  for (int32_t c = 0; c < channels; ++c) {
    int32_t sum = 0;
    for (int32_t t = 0; t < taps; ++t) {
      sum += get_weight(weights + static_cast<int64_t>(t) * tap_bytes, c, weight_bits);
    }
    bias_out[c] = fold(bias_in, c, input_zero_point, sum);
  }
  return Status::ok;
}

}  // namespace mpq::kernels
