#include "libmpq/kernels/global_average_pool.hpp"
#include "libmpq/kernels/packing.hpp"
#include "tests/kernels/cases/case_generators.hpp"

namespace mpq::kernels::testing {

void global_average_pool_case(CaseRng& rng, int32_t index, Arena& arena, CaseReport& report) {
  const BitsCombo bits = bits_combo(index);  // a: input, c: output (b unused)
  GlobalAveragePoolParams p{};
  p.input_h = rng.percent(20) ? rng.range(16, 24) : rng.range(1, 8);  // > 256 pixels sometimes
  p.input_w = rng.percent(20) ? rng.range(16, 24) : rng.range(1, 8);
  p.channels = rng.range(1, 70);
  p.input = random_input_format(rng, bits.a);
  if (rng.percent(50)) p.input.zero_point = 1 << (p.input.bits - 1);  // centred sums
  p.output = random_output_format(rng, bits.c);
  // Averages of random codes concentrate: scale the spread (~ sqrt(pixels)), not the sum.
  int32_t m = 0, s = 0;
  random_requant(rng, 1, p.input.bits - 2 + (ceil_log2(p.input_h * p.input_w) + 1) / 2,
                 p.output.bits, &m, &s);
  p.multiplier = m;
  p.shift = s;
  char what[200];
  Text t(what, sizeof what);
  t << "in " << p.input_h << "x" << p.input_w << "x" << p.channels << " b" << p.input.bits
    << " zp" << p.input.zero_point << ", out b" << p.output.bits << " zp" << p.output.zero_point
    << " [" << p.output.min << "," << p.output.max << "], m " << p.multiplier << " s " << p.shift;

  const int32_t out_bytes = packed_row_bytes(p.channels, p.output.bits);
  uint8_t* input = random_bytes(rng, arena, activation_bytes(p.input_h, p.input_w, p.channels, p.input.bits));
  uint8_t* ref = arena.take(out_bytes);
  uint8_t* fast = arena.take(out_bytes);
  if (input == nullptr || ref == nullptr || fast == nullptr) {
    record_setup_failure(report, what);
    return;
  }
  for (int32_t i = 0; i < out_bytes; ++i) {
    ref[i] = 0xA5;
    fast[i] = 0x5A;
  }
  const Status rs = global_average_pool_ref(p, input, ref);
  const Status fs = global_average_pool_fast(p, input, fast);
  record_case(report, what, rs, fs, ref, fast, out_bytes);
}

}  // namespace mpq::kernels::testing
