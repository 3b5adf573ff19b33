#include "libmpq/kernels/fully_connected.hpp"
#include "libmpq/kernels/packing.hpp"
#include "tests/kernels/cases/case_generators.hpp"

namespace mpq::kernels::testing {

void fully_connected_case(CaseRng& rng, int32_t index, Arena& arena, CaseReport& report) {
  const BitsCombo bits = bits_combo(index);
  FullyConnectedParams p{};
  p.input_c = rng.percent(30) ? rng.range(1, 17) : rng.range(1, 400);
  p.output_c = rng.range(1, 21);
  p.input = random_input_format(rng, bits.a);
  p.weight_bits = bits.b;
  p.output = random_output_format(rng, bits.c);
  char what[200];
  Text t(what, sizeof what);
  t << "in " << p.input_c << " b" << p.input.bits << ", w b" << p.weight_bits << ", out "
    << p.output_c << " b" << p.output.bits << " zp" << p.output.zero_point << " ["
    << p.output.min << "," << p.output.max << "]";

  const int32_t acc_log2 = p.input.bits + p.weight_bits - 2 + (ceil_log2(p.input_c) + 1) / 2;
  const int32_t out_bytes = packed_row_bytes(p.output_c, p.output.bits);
  const int32_t scratch_bytes = fully_connected_fast_get_buffer_size(p);
  uint8_t* input = random_bytes(rng, arena, packed_row_bytes(p.input_c, p.input.bits));
  uint8_t* weights = random_bytes(rng, arena, fully_connected_weight_bytes(p.output_c, p.input_c, p.weight_bits));
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
  for (int32_t i = 0; i < out_bytes; ++i) {
    ref[i] = 0xA5;
    fast[i] = 0x5A;
  }
  const int32_t* maybe_bias = rng.percent(10) ? nullptr : bias;
  const Status rs = fully_connected_ref(p, input, weights, maybe_bias, multiplier, shift, ref);
  const Status fs = fully_connected_fast(p, input, weights, maybe_bias, multiplier, shift,
                                         scratch, scratch_bytes, fast);
  record_case(report, what, rs, fs, ref, fast, out_bytes);
}

}  // namespace mpq::kernels::testing
