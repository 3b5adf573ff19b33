#include "libmpq/kernels/average_pool.hpp"
#include "libmpq/kernels/convolve.hpp"
#include "libmpq/kernels/max_pool.hpp"
#include "libmpq/kernels/packing.hpp"
#include "tests/kernels/cases/case_generators.hpp"

namespace mpq::kernels::testing {

namespace {

// A window biased to the edges: 1x1 and non-square kernels, strides above the kernel,
// padding on any side up to kernel - 1, odd sizes, one channel, and sometimes a window of
// more than 256 positions (the fast average's lane flush).
PoolGeometry random_geometry(CaseRng& rng) {
  PoolGeometry g{};
  const bool big = rng.percent(10);
  g.kernel_h = big ? rng.range(16, 18) : rng.range(1, 4);
  g.kernel_w = big ? rng.range(16, 18) : rng.range(1, 4);
  g.stride_h = rng.range(1, 3);
  g.stride_w = rng.range(1, 3);
  g.pad_top = rng.percent(50) ? 0 : rng.range(0, g.kernel_h - 1);
  g.pad_bottom = rng.percent(50) ? g.pad_top : rng.range(0, g.kernel_h - 1);
  g.pad_left = rng.percent(50) ? 0 : rng.range(0, g.kernel_w - 1);
  g.pad_right = rng.percent(50) ? g.pad_left : rng.range(0, g.kernel_w - 1);
  g.input_h = rng.range(1, 12) + (big ? 8 : 0);
  g.input_w = rng.range(1, 12) + (big ? 8 : 0);
  if (g.input_h + g.pad_top + g.pad_bottom < g.kernel_h) g.input_h = g.kernel_h;
  if (g.input_w + g.pad_left + g.pad_right < g.kernel_w) g.input_w = g.kernel_w;
  g.channels = rng.percent(10) ? 1 : rng.range(1, 40);
  return g;
}

void describe(Text& t, const PoolGeometry& g, int32_t bits) {
  t << "in " << g.input_h << "x" << g.input_w << "x" << g.channels << " b" << bits << ", k "
    << g.kernel_h << "x" << g.kernel_w << " s " << g.stride_h << "," << g.stride_w << " pad "
    << g.pad_top << "," << g.pad_bottom << "," << g.pad_left << "," << g.pad_right;
}

int32_t output_bytes(const PoolGeometry& g, int32_t bits) {
  return activation_bytes(conv_output_size(g.input_h, g.kernel_h, g.stride_h, g.pad_top, g.pad_bottom),
                          conv_output_size(g.input_w, g.kernel_w, g.stride_w, g.pad_left, g.pad_right),
                          g.channels, bits);
}

// Runs ref and fast on one random input; fills `ref` with 0xA5 and `fast` with 0x5A first
// so that a byte either leaves unwritten shows.
template <typename Params, typename Ref, typename Fast>
void run_pool_case(CaseRng& rng, Arena& arena, CaseReport& report, const char* what, const Params& p, int32_t bits,
                   Ref ref_fn, Fast fast_fn) {
  const int32_t out_bytes = output_bytes(p.geometry, bits);
  const PoolGeometry& g = p.geometry;
  uint8_t* input = random_bytes(rng, arena, activation_bytes(g.input_h, g.input_w, g.channels, bits));
  uint8_t* ref = arena.take(out_bytes);
  uint8_t* fast = arena.take(out_bytes);
  if (input == nullptr || ref == nullptr || fast == nullptr || out_bytes <= 0) {
    record_setup_failure(report, what);
    return;
  }
  for (int32_t i = 0; i < out_bytes; ++i) {
    ref[i] = 0xA5;
    fast[i] = 0x5A;
  }
  const Status rs = ref_fn(p, input, ref);
  const Status fs = fast_fn(p, input, fast);
  record_case(report, what, rs, fs, ref, fast, out_bytes);
}

}  // namespace

void max_pool_case(CaseRng& rng, int32_t index, Arena& arena, CaseReport& report) {
  MaxPoolParams p{};
  p.geometry = random_geometry(rng);
  p.bits = bits_combo(index).a;
  char what[200];
  Text t(what, sizeof what);
  describe(t, p.geometry, p.bits);
  run_pool_case(rng, arena, report, what, p, p.bits, max_pool_ref, max_pool_fast);
}

void average_pool_case(CaseRng& rng, int32_t index, Arena& arena, CaseReport& report) {
  AveragePoolParams p{};
  p.geometry = random_geometry(rng);
  p.activation = random_input_format(rng, bits_combo(index).a);
  p.count_include_pad = rng.percent(50) ? 1 : 0;
  char what[200];
  Text t(what, sizeof what);
  describe(t, p.geometry, p.activation.bits);
  t << " zp" << p.activation.zero_point << " include_pad " << p.count_include_pad;
  run_pool_case(rng, arena, report, what, p, p.activation.bits, average_pool_ref, average_pool_fast);
}

}  // namespace mpq::kernels::testing
