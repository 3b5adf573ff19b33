#include "libmpq/kernels/convolve.hpp"
#include "libmpq/kernels/packing.hpp"
#include "tests/kernels/cases/case_generators.hpp"

namespace mpq::kernels::testing {

namespace {

ConvParams random_conv(CaseRng& rng, BitsCombo bits) {
  static const int32_t kKernels[] = {1, 1, 2, 3, 3, 3, 4, 5};
  static const int32_t kInChannels[] = {1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 24, 31, 33};
  static const int32_t kOutChannels[] = {1, 2, 3, 4, 5, 7, 8, 13, 16, 17};
  ConvParams p{};
  // A share of first layers (3x3, 3 input channels), more of them at 8-bit input and
  // weights: the convolution's stem path (8/8/8, full-range output).
  const bool stem = rng.percent(bits.a == 8 && bits.b == 8 ? 50 : 10);
  p.kernel_h = stem ? 3 : rng.pick(kKernels);
  p.kernel_w = stem || rng.percent(60) ? p.kernel_h : rng.pick(kKernels);
  p.stride_h = rng.range(1, 3);
  p.stride_w = rng.percent(60) ? p.stride_h : rng.range(1, 3);
  p.pad_top = rng.range(0, p.kernel_h - 1);
  p.pad_bottom = rng.range(0, p.kernel_h - 1);
  p.pad_left = rng.range(0, p.kernel_w - 1);
  p.pad_right = rng.range(0, p.kernel_w - 1);
  const int32_t min_h = p.kernel_h - p.pad_top - p.pad_bottom;
  const int32_t min_w = p.kernel_w - p.pad_left - p.pad_right;
  p.input_h = rng.range(min_h > 1 ? min_h : 1, 9);
  p.input_w = rng.range(min_w > 1 ? min_w : 1, 9);
  p.input_c = stem ? 3 : rng.pick(kInChannels);
  p.output_c = rng.pick(kOutChannels);
  p.input = random_input_format(rng, bits.a);
  p.weight_bits = bits.b;
  p.output = random_output_format(rng, bits.c);
  return p;
}

void describe(Text& t, const ConvParams& p) {
  t << "in " << p.input_h << "x" << p.input_w << "x" << p.input_c << " b" << p.input.bits
    << " zp" << p.input.zero_point << ", k " << p.kernel_h << "x" << p.kernel_w << " s "
    << p.stride_h << "x" << p.stride_w << " pad t" << p.pad_top << " b" << p.pad_bottom << " l"
    << p.pad_left << " r" << p.pad_right << ", w b" << p.weight_bits << ", out c" << p.output_c
    << " b" << p.output.bits << " zp" << p.output.zero_point << " [" << p.output.min << ","
    << p.output.max << "]";
}

}  // namespace

void convolve_case(CaseRng& rng, int32_t index, Arena& arena, CaseReport& report) {
  const ConvParams p = random_conv(rng, bits_combo(index));
  char what[200];
  Text t(what, sizeof what);
  describe(t, p);

  const int32_t out_h = conv_output_size(p.input_h, p.kernel_h, p.stride_h, p.pad_top, p.pad_bottom);
  const int32_t out_w = conv_output_size(p.input_w, p.kernel_w, p.stride_w, p.pad_left, p.pad_right);
  const int32_t depth = p.kernel_h * p.kernel_w * p.input_c;
  const int32_t acc_log2 = p.input.bits + p.weight_bits - 2 + (ceil_log2(depth) + 1) / 2;
  const int32_t out_bytes = activation_bytes(out_h, out_w, p.output_c, p.output.bits);
  const int32_t scratch_bytes = convolve_fast_get_buffer_size(p);

  uint8_t* input = random_bytes(rng, arena, activation_bytes(p.input_h, p.input_w, p.input_c, p.input.bits));
  uint8_t* weights = random_bytes(rng, arena, conv_weight_bytes(p.output_c, p.kernel_h, p.kernel_w, p.input_c, p.weight_bits));
  int32_t* bias = reinterpret_cast<int32_t*>(arena.take(4 * p.output_c));
  int32_t* multiplier = reinterpret_cast<int32_t*>(arena.take(4 * p.output_c));
  int32_t* shift = reinterpret_cast<int32_t*>(arena.take(4 * p.output_c));
  uint8_t* ref = arena.take(out_bytes);
  uint8_t* fast = arena.take(out_bytes);
  uint8_t* scratch = arena.take(scratch_bytes);
  if (input == nullptr || weights == nullptr || bias == nullptr || multiplier == nullptr ||
      shift == nullptr || ref == nullptr || fast == nullptr || scratch == nullptr) {
    record_setup_failure(report, what);
    return;
  }
  random_bias(rng, p.output_c, acc_log2, bias);
  random_requant(rng, p.output_c, acc_log2, p.output.bits, multiplier, shift);
  if (p.kernel_h == 3 && p.kernel_w == 3 && p.input_c == 3 && rng.percent(30)) {
    for (int32_t o = 0; o < p.output_c; o += 2) {  // right shifts of 0 (rounding by 2^31)
      multiplier[o] = rng.range(1 << (acc_log2 - 3), 1 << acc_log2);
      shift[o] = -1;
    }
  }
  for (int32_t i = 0; i < out_bytes; ++i) {
    ref[i] = 0xA5;
    fast[i] = 0x5A;
  }
  const int32_t* maybe_bias = rng.percent(10) ? nullptr : bias;
  const Status rs = convolve_ref(p, input, weights, maybe_bias, multiplier, shift, ref);
  const Status fs = convolve_fast(p, input, weights, maybe_bias, multiplier, shift, scratch,
                                  scratch_bytes, fast);
  record_case(report, what, rs, fs, ref, fast, out_bytes);
}

}  // namespace mpq::kernels::testing
