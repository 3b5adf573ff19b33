// The stem path's multiplies (detail/convolve_stem.hpp): a hand-scheduled Cortex-M loop
// (inline assembly, with the DSP extension) and its portable C++ form, bit-identical.
#include "libmpq/kernels/detail/convolve_stem.hpp"

#include "libmpq/kernels/detail/dsp.hpp"
#include "libmpq/kernels/detail/lanes.hpp"

namespace mpq::kernels::detail {

namespace {

// Every output channel of 4 columns of the stream (8-bit weights, one lane pair per weight
// word: word g of column q at stream[8 g + 2 q]), outputs at rows[q]. The portable form of
// the assembly below (the host's, and the short last group's on Cortex-M).
void stem_group(const uint8_t* w, const uint32_t* stream, const StemRecord* r,
                int32_t channels, uint8_t* const* rows) {
  for (int32_t o = 0; o < channels; ++o, w += kStemRowBytes, ++r) {
    int32_t acc[kGemmColumns];
    for (int32_t q = 0; q < kGemmColumns; ++q) acc[q] = r->bias;
    for (int32_t g = 0; g < 7; ++g) {
      const uint32_t word = g < 6 ? dsp::load32(w + 4 * g) : dsp::load32(w + 23) >> 8;
      uint32_t l0, l1;
      signed_lane_pair<8>(word, 0, l0, l1);
      for (int32_t q = 0; q < kGemmColumns; ++q) {
        acc[q] = dsp::smlad(l0, stream[8 * g + 2 * q], acc[q]);
        acc[q] = dsp::smlad(l1, stream[8 * g + 2 * q + 1], acc[q]);
      }
    }
    for (int32_t q = 0; q < kGemmColumns; ++q) {
      const int64_t sum = static_cast<int64_t>(acc[q]) * r->multiplier +
                          static_cast<int64_t>(r->offset) * (int64_t{1} << 32) +
                          (r->right == 0 ? int64_t{1} << 31 : 0);
      const int32_t high = static_cast<int32_t>(sum >> 32);
      rows[q][o] = static_cast<uint8_t>(dsp::usat<8>(high >> r->right));
    }
  }
}

#if MPQ_KERNELS_DSP
// stem_group for 4 consecutive output pixels (out, out + stride, ...): registers r0
// weights, r1 stream, r2 records, r3 out, r4 stride, lr channels left, r5/r6 weight lanes,
// r7/r8 column lanes, r9-r12 the accumulators of columns 0-3. Per channel (108 MACs), 129
// instructions: 7 weight words (LDR, two SXTB16, 4 x (LDRD + 2 SMLAD)), the tail's LSR,
// 4 x (SMMLA, ASR, USAT), 4 stores and an ADD, the bias and record loads, 4 others.
extern "C" void mpq_conv_stem_group(const uint8_t* weights, const uint32_t* stream,
                                    const StemRecord* records, uint8_t* out, int32_t stride,
                                    int32_t channels);
__asm__(
    "  .section .text.mpq_conv_stem_group,\"ax\",%progbits\n"
    "  .syntax unified\n"
    "  .thumb\n"
    "  .p2align 2\n"
    "  .global mpq_conv_stem_group\n"
    "  .type mpq_conv_stem_group, %function\n"
    "  .thumb_func\n"
    "mpq_conv_stem_group:\n"
    "  push {r4-r11, lr}\n"
    "  ldr r4, [sp, #36]\n"
    "  ldr lr, [sp, #40]\n"
    "  .macro mpq_stem_column q, off\n"
    "  ldrd r7, r8, [r1, #\\off]\n"
    "  smlad r\\q, r5, r7, r\\q\n"
    "  smlad r\\q, r6, r8, r\\q\n"
    "  .endm\n"
    "  .macro mpq_stem_word g\n"
    "  ldr r6, [r0, #(4 * \\g)]\n"
    "  sxtb16 r5, r6\n"
    "  sxtb16 r6, r6, ror #8\n"
    "  mpq_stem_column 9, (32 * \\g)\n"
    "  mpq_stem_column 10, (32 * \\g + 8)\n"
    "  mpq_stem_column 11, (32 * \\g + 16)\n"
    "  mpq_stem_column 12, (32 * \\g + 24)\n"
    "  .endm\n"
    "1:\n"
    "  ldr r9, [r2]\n"  // the bias: column 0's accumulator, the others' start value
    "  ldr r6, [r0]\n"
    "  sxtb16 r5, r6\n"
    "  sxtb16 r6, r6, ror #8\n"
    "  ldrd r7, r8, [r1, #24]\n"
    "  smlad r12, r5, r7, r9\n"
    "  smlad r12, r6, r8, r12\n"
    "  ldrd r7, r8, [r1, #16]\n"
    "  smlad r11, r5, r7, r9\n"
    "  smlad r11, r6, r8, r11\n"
    "  ldrd r7, r8, [r1, #8]\n"
    "  smlad r10, r5, r7, r9\n"
    "  smlad r10, r6, r8, r10\n"
    "  mpq_stem_column 9, 0\n"
    "  mpq_stem_word 1\n"
    "  mpq_stem_word 2\n"
    "  mpq_stem_word 3\n"
    "  mpq_stem_word 4\n"
    "  mpq_stem_word 5\n"
    "  ldr r6, [r0, #23]\n"  // bytes 24-26: the word ending at the row's end, shifted down
    "  lsr r6, r6, #8\n"
    "  sxtb16 r5, r6\n"
    "  sxtb16 r6, r6, ror #8\n"
    "  mpq_stem_column 9, 192\n"
    "  mpq_stem_column 10, 200\n"
    "  mpq_stem_column 11, 208\n"
    "  mpq_stem_column 12, 216\n"
    "  .purgem mpq_stem_word\n"
    "  .purgem mpq_stem_column\n"
    "  add r0, r0, #27\n"
    "  ldm r2!, {r5, r6, r7, r8}\n"  // bias, multiplier, right, offset
    "  cbz r7, 3f\n"
    "  smmla r9, r9, r6, r8\n"
    "  smmla r10, r10, r6, r8\n"
    "  smmla r11, r11, r6, r8\n"
    "  smmla r12, r12, r6, r8\n"
    "  asr r9, r9, r7\n"
    "  asr r10, r10, r7\n"
    "  asr r11, r11, r7\n"
    "  asr r12, r12, r7\n"
    "2:\n"
    "  usat r9, #8, r9\n"
    "  usat r10, #8, r10\n"
    "  usat r11, #8, r11\n"
    "  usat r12, #8, r12\n"
    "  strb r10, [r3, r4]\n"
    "  add r5, r3, r4, lsl #1\n"
    "  strb r11, [r5]\n"
    "  strb r12, [r5, r4]\n"
    "  strb r9, [r3], #1\n"
    "  subs lr, lr, #1\n"
    "  bne 1b\n"
    "  pop {r4-r11, pc}\n"
    "3:\n"  // right shift 0: the rounding constant 2^31 too
    "  smmlar r9, r9, r6, r8\n"
    "  smmlar r10, r10, r6, r8\n"
    "  smmlar r11, r11, r6, r8\n"
    "  smmlar r12, r12, r6, r8\n"
    "  b 2b\n"
    "  .size mpq_conv_stem_group, . - mpq_conv_stem_group\n"
    "  .text\n");
#endif

}  // namespace

void convolve_stem_group(const uint8_t* weights, const uint32_t* stream,
                         const StemRecord* records, int32_t channels, uint8_t* const* rows,
                         int32_t np, int32_t stride) {
#if MPQ_KERNELS_DSP
  if (np == kGemmColumns) {
    mpq_conv_stem_group(weights, stream, records, rows[0], stride, channels);
    return;
  }
#else
  (void)np;
  (void)stride;
#endif
  stem_group(weights, stream, records, channels, rows);
}

}  // namespace mpq::kernels::detail
