#include "runtime/plain_executor.hpp"

#include <algorithm>
#include <cmath>

#include "libmpq/mcu/blob_records.hpp"
#include "libmpq/quant/quant_graph.hpp"

namespace mpq::test {

namespace {

// A tensor of unpacked codes, HWC.
struct Codes {
  int32_t h = 0, w = 0, c = 0;
  std::vector<int32_t> v;
  int32_t at(int32_t y, int32_t x, int32_t k) const { return v[static_cast<size_t>((y * w + x) * c + k)]; }
};

int32_t read_i32(const uint8_t* p) {
  return static_cast<int32_t>(static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
                              static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24);
}

// Value i of a packed row of b-bit two's complement weights.
// A weight's value in the accumulator (docs/kernels.md, "Weights"): its b-bit code read as
// the top bits of an 8-bit weight, code * 2^(8 - b).
int32_t weight_at(const uint8_t* row, int64_t i, int32_t bits) {
  const int64_t bit = i * bits;
  const int32_t raw = (row[bit / 8] >> (bit % 8)) & ((1 << bits) - 1);
  return (raw >= (1 << (bits - 1)) ? raw - (1 << bits) : raw) * (1 << (8 - bits));
}

int32_t saturate(int64_t v) {
  return static_cast<int32_t>(std::min<int64_t>(std::max<int64_t>(v, INT32_MIN), INT32_MAX));
}

// The requantization of libmpq/kernels/requantize.hpp from its definition: acc * m with
// m = multiplier * 2^(shift - 31), rounded once to the nearest integer, ties toward
// +infinity; the exact 64-bit value, and that value saturated to int32.
int64_t requantize_wide(int32_t acc, int32_t multiplier, int32_t shift) {
  const int32_t total = 31 - shift;
  const int64_t product = static_cast<int64_t>(acc) * multiplier;  // |product| < 2^62
  return (product + (int64_t{1} << (total - 1))) >> total;          // floor
}

int32_t requantize(int32_t acc, int32_t multiplier, int32_t shift) {
  return saturate(requantize_wide(acc, multiplier, shift));
}

int32_t to_code(int32_t acc, int32_t multiplier, int32_t shift, const OpRecord& r) {
  const int64_t y = requantize_wide(acc, multiplier, shift) + r.output_zero_point;
  return static_cast<int32_t>(std::min<int64_t>(std::max<int64_t>(y, r.output_min), r.output_max));
}

int32_t wrap_add(int64_t a, int64_t b) { return static_cast<int32_t>(static_cast<uint32_t>(a + b)); }

struct ChannelParams {
  std::vector<int32_t> bias, multiplier, shift;
};

ChannelParams channel_params(const std::vector<uint8_t>& blob, const OpRecord& r) {
  ChannelParams p;
  const uint8_t* at = blob.data() + r.channel_params_offset;
  for (int32_t o = 0; o < r.out_c; ++o) {
    p.bias.push_back(read_i32(at + 4 * o));
    p.multiplier.push_back(read_i32(at + 4 * (r.out_c + o)));
    p.shift.push_back(read_i32(at + 4 * (2 * r.out_c + o)));
  }
  return p;
}

Codes convolution(const std::vector<uint8_t>& blob, const OpRecord& r, const Codes& in, bool depthwise) {
  const ChannelParams p = channel_params(blob, r);
  const uint8_t* weights = blob.data() + r.weights_offset;
  const rt::RecordWindow win = rt::record_window(r);
  // Bytes of one packed row: depthwise rows hold the channels of one tap, conv rows the
  // input channels of one (output channel, tap).
  const int64_t row_bytes = ((depthwise ? r.out_c : r.in_c) * static_cast<int64_t>(r.weight_bits) + 7) / 8;
  Codes out{r.out_h, r.out_w, r.out_c, std::vector<int32_t>(static_cast<size_t>(r.out_h) * r.out_w * r.out_c)};
  for (int32_t oy = 0; oy < r.out_h; ++oy)
    for (int32_t ox = 0; ox < r.out_w; ++ox)
      for (int32_t o = 0; o < r.out_c; ++o) {
        int64_t sum = 0;
        for (int32_t ky = 0; ky < win.kernel_h; ++ky)
          for (int32_t kx = 0; kx < win.kernel_w; ++kx) {
            const int32_t y = oy * win.stride_h - win.pad_top + ky;
            const int32_t x = ox * win.stride_w - win.pad_left + kx;
            const bool inside = y >= 0 && y < in.h && x >= 0 && x < in.w;
            const int32_t tap = ky * win.kernel_w + kx;
            if (depthwise) {
              const int32_t v = inside ? in.at(y, x, o) : r.input_zero_point;
              sum += static_cast<int64_t>(weight_at(weights + tap * row_bytes, o, r.weight_bits)) * v;
            } else {
              const uint8_t* row = weights + (static_cast<int64_t>(o) * win.kernel_h * win.kernel_w + tap) * row_bytes;
              for (int32_t c = 0; c < r.in_c; ++c) {
                const int32_t v = inside ? in.at(y, x, c) : r.input_zero_point;
                sum += static_cast<int64_t>(weight_at(row, c, r.weight_bits)) * v;
              }
            }
          }
        const size_t i = static_cast<size_t>(o);
        out.v[static_cast<size_t>((oy * r.out_w + ox) * r.out_c + o)] =
            to_code(wrap_add(p.bias[i], sum), p.multiplier[i], p.shift[i], r);
      }
  return out;
}

Codes fully_connected(const std::vector<uint8_t>& blob, const OpRecord& r, const Codes& in) {
  const ChannelParams p = channel_params(blob, r);
  const int64_t row_bytes = (r.in_c * static_cast<int64_t>(r.weight_bits) + 7) / 8;
  Codes out{1, 1, r.out_c, std::vector<int32_t>(static_cast<size_t>(r.out_c))};
  for (int32_t o = 0; o < r.out_c; ++o) {
    int64_t sum = 0;
    for (int32_t c = 0; c < r.in_c; ++c)
      sum += static_cast<int64_t>(weight_at(blob.data() + r.weights_offset + o * row_bytes, c, r.weight_bits)) *
             in.v[static_cast<size_t>(c)];
    const size_t i = static_cast<size_t>(o);
    out.v[i] = to_code(wrap_add(p.bias[i], sum), p.multiplier[i], p.shift[i], r);
  }
  return out;
}

Codes average_pool(const OpRecord& r, const Codes& in) {
  Codes out{1, 1, r.out_c, std::vector<int32_t>(static_cast<size_t>(r.out_c))};
  for (int32_t c = 0; c < in.c; ++c) {
    int64_t sum = 0;
    for (int32_t y = 0; y < in.h; ++y)
      for (int32_t x = 0; x < in.w; ++x) sum += in.at(y, x, c) - r.input_zero_point;
    out.v[static_cast<size_t>(c)] = to_code(static_cast<int32_t>(sum), r.input_multiplier, r.input_shift, r);
  }
  return out;
}

// Max or rounded mean over each window: padding is skipped by max and counts as real 0 in
// the mean, whose divisor is the whole window with count_include_pad (flags bit 1).
Codes window_pool(const OpRecord& r, const Codes& in, bool max) {
  Codes out{r.out_h, r.out_w, r.out_c, std::vector<int32_t>(static_cast<size_t>(r.out_h * r.out_w * r.out_c))};
  const bool include_pad = (r.flags & blob::kOpFlagCountIncludePad) != 0;
  const rt::RecordWindow win = rt::record_window(r);
  for (int32_t oy = 0; oy < r.out_h; ++oy)
    for (int32_t ox = 0; ox < r.out_w; ++ox)
      for (int32_t c = 0; c < r.out_c; ++c) {
        int64_t sum = 0, inside = 0, best = -1;
        for (int32_t ky = 0; ky < win.kernel_h; ++ky)
          for (int32_t kx = 0; kx < win.kernel_w; ++kx) {
            const int32_t y = oy * win.stride_h - win.pad_top + ky, x = ox * win.stride_w - win.pad_left + kx;
            if (y < 0 || y >= in.h || x < 0 || x >= in.w) continue;
            sum += in.at(y, x, c) - r.input_zero_point;
            best = std::max<int64_t>(best, in.at(y, x, c));
            ++inside;
          }
        const double n = include_pad ? win.kernel_h * win.kernel_w : static_cast<double>(inside);
        const auto mean = static_cast<int32_t>(std::floor(static_cast<double>(sum) / n + 0.5)) + r.input_zero_point;
        out.v[static_cast<size_t>((oy * r.out_w + ox) * r.out_c + c)] = max ? static_cast<int32_t>(best) : mean;
      }
  return out;
}

Codes residual_add(const OpRecord& r, const Codes& a, const Codes& b) {
  Codes out{a.h, a.w, a.c, std::vector<int32_t>(a.v.size())};
  for (size_t i = 0; i < a.v.size(); ++i) {
    const int32_t sa = requantize((a.v[i] - r.input_zero_point) * (1 << r.left_shift), r.input_multiplier, r.input_shift);
    const int32_t sb = requantize((b.v[i] - r.input2_zero_point) * (1 << r.left_shift), r.input2_multiplier, r.input2_shift);
    out.v[i] = to_code(saturate(static_cast<int64_t>(sa) + sb), r.output_multiplier, r.output_shift, r);
  }
  return out;
}

}  // namespace

std::vector<int32_t> run_plain(const std::vector<uint8_t>& blob, const std::vector<uint8_t>& image) {
  const BlobHeader h = decode_blob_header(blob.data(), "plain executor");
  std::vector<Codes> buffers(h.buffer_count);
  Codes& input = buffers[0];
  input = {h.input_h, h.input_w, h.input_c, std::vector<int32_t>(image.size())};
  for (size_t i = 0; i < image.size(); ++i)
    input.v[i] = blob[h.input_lut_offset + 256 * (i % h.input_c) + image[i]];
  for (uint16_t op = 0; op < h.op_count; ++op) {
    const OpRecord r = decode_op_record(blob.data() + h.ops_offset + blob::kOpRecordBytes * op);
    const Codes& in = buffers.at(r.input_buffer);
    Codes& out = buffers.at(r.output_buffer);
    switch (static_cast<QOpKind>(r.kind)) {
      case QOpKind::conv: out = convolution(blob, r, in, false); break;
      case QOpKind::depthwise: out = convolution(blob, r, in, true); break;
      case QOpKind::fc: out = fully_connected(blob, r, in); break;
      case QOpKind::avgpool: out = average_pool(r, in); break;
      case QOpKind::add: out = residual_add(r, in, buffers.at(r.input2_buffer)); break;
      case QOpKind::maxpool: out = window_pool(r, in, true); break;
      case QOpKind::avgpool2d: out = window_pool(r, in, false); break;
      default: return {};
    }
  }
  return buffers.at(h.output_buffer).v;
}

}  // namespace mpq::test
