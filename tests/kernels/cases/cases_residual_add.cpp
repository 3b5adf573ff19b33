#include "libmpq/kernels/packing.hpp"
#include "libmpq/kernels/residual_add.hpp"
#include "tests/kernels/cases/case_generators.hpp"

namespace mpq::kernels::testing {

void residual_add_case(CaseRng& rng, int32_t index, Arena& arena, CaseReport& report) {
  const BitsCombo bits = bits_combo(index);  // a, b, output
  ResidualAddParams p{};
  p.input_h = rng.range(1, 6);
  p.input_w = rng.range(1, 6);
  p.channels = rng.range(1, 70);
  p.a = random_input_format(rng, bits.a);
  p.b = random_input_format(rng, bits.b);
  p.output = random_output_format(rng, bits.c);
  p.left_shift = rng.percent(80) ? 20 : rng.range(0, 22);
  // Input multipliers below one half (as quantize_residual_add makes them), sometimes any.
  int32_t m[3], s[3];
  random_requant(rng, 3, 0, 0, m, s);
  p.a_multiplier = m[0];
  p.a_shift = rng.percent(90) ? rng.range(-6, -1) : s[0];
  p.b_multiplier = m[1];
  p.b_shift = rng.percent(90) ? rng.range(-6, -1) : s[1];
  p.output_multiplier = m[2];
  const int32_t in_bits = p.a.bits > p.b.bits ? p.a.bits : p.b.bits;
  p.output_shift = rng.percent(90) ? p.output.bits - in_bits - p.left_shift + 4 + rng.range(-2, 2) : s[2];
  if (p.output_shift < -31) p.output_shift = -31;
  char what[240];
  Text t(what, sizeof what);
  t << "shape " << p.input_h << "x" << p.input_w << "x" << p.channels << ", a b" << p.a.bits
    << " zp" << p.a.zero_point << " m" << p.a_multiplier << " s" << p.a_shift << ", b b"
    << p.b.bits << " zp" << p.b.zero_point << " m" << p.b_multiplier << " s" << p.b_shift
    << ", left " << p.left_shift << ", out b" << p.output.bits << " zp" << p.output.zero_point
    << " [" << p.output.min << "," << p.output.max << "] m" << p.output_multiplier << " s"
    << p.output_shift;

  const int32_t out_bytes = activation_bytes(p.input_h, p.input_w, p.channels, p.output.bits);
  uint8_t* a = random_bytes(rng, arena, activation_bytes(p.input_h, p.input_w, p.channels, p.a.bits));
  uint8_t* b = random_bytes(rng, arena, activation_bytes(p.input_h, p.input_w, p.channels, p.b.bits));
  uint8_t* ref = arena.take(out_bytes);
  uint8_t* fast = arena.take(out_bytes);
  if (a == nullptr || b == nullptr || ref == nullptr || fast == nullptr) {
    record_setup_failure(report, what);
    return;
  }
  for (int32_t i = 0; i < out_bytes; ++i) {
    ref[i] = 0xA5;
    fast[i] = 0x5A;
  }
  const Status rs = residual_add_ref(p, a, b, ref);
  const Status fs = residual_add_fast(p, a, b, fast);
  record_case(report, what, rs, fs, ref, fast, out_bytes);
}

}  // namespace mpq::kernels::testing
