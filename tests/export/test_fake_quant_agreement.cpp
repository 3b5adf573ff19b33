// Every weighted op of an exported blob computes what its fake-quant op computes, code for
// code, at every width, on either bias grid (FakeQuantOptions::fine_bias): both round
// the biases of b-bit weights to the same grid, s_in * s_w by default or the accumulator's
// s_in * s_w / 2^(8 - b), and the blob stores them in the accumulator's unit. Each op is checked on its own (the fake-quant
// model's input codes of the op through the blob's record and the reference kernel,
// against the fake-quant model's output codes), so one difference cannot spread. The
// fake-quant evaluation forward computes the integer accumulator and the kernel's rounding
// near an output half (integer_forward): before it, 8-bit sums missed a few float
// near-ties (8 of 823,376 codes at LSQ w4a8, one at PACT w8a8). The
// global average pool's exact ties and the whole blob's logits are checked too.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "libmpq/export/integer_model.hpp"
#include "libmpq/runtime/blob_format.hpp"
#include "libmpq/runtime/op_record.hpp"
#include "tests/export/default_model.hpp"
#include "tests/export/op_agreement.hpp"

namespace {

using mpq::test::DefaultModel;

struct Count {
  int64_t values = 0, mismatches = 0;
};

// Every weighted op of `policy`'s blob against its fake-quant op on the calibration batch.
// fine_bias: the fake-quant model's (and so the blob's) bias grid. coarse: the blob's biases
// rounded to s_in * s_w (multiples of 2^(8 - w_bits) in its unit) before they are used.
// off_grid: how many stored biases are not multiples of 2^(8 - w_bits).
// quantizer, correct_means: DefaultModel::fake_quant's.
Count op_mismatches(DefaultModel& m, const mpq::Policy& policy, bool fine_bias, bool coarse, int64_t* off_grid = nullptr,
                    mpq::QuantizerKind quantizer = mpq::QuantizerKind::pact, bool correct_means = false) {
  mpq::Model fq = m.fake_quant(policy, fine_bias, quantizer, correct_means);
  const mpq::IntegerModel im(m.export_blob(fq, policy), "blob");  // validated, and 4-byte aligned
  fq.forward(m.batch, false);
  // Per weighted op, the biases the kernels get.
  std::vector<std::vector<int32_t>> biases(m.graph.ops.size());
  for (size_t i = 0; i < m.graph.ops.size(); ++i) {
    const mpq::rt::OpRecord r = mpq::rt::decode_op_record(im.view().ops + i * mpq::blob::kOpRecordBytes);
    if (!mpq::rt::op_has_weights(r.kind)) continue;
    const auto* stored = reinterpret_cast<const int32_t*>(im.view().blob + r.channel_params_offset);
    std::vector<int32_t>& bias = biases[i];
    bias.assign(stored, stored + r.out_c);
    if (off_grid)
      for (int32_t b : bias) *off_grid += b % (1 << (8 - r.weight_bits)) != 0;
    if (coarse) {
      const double unit = 1 << (8 - r.weight_bits);
      for (int32_t& b : bias) b = static_cast<int32_t>(std::nearbyint(b / unit) * unit);
    }
  }
  Count count;
  mpq::test::for_each_op_output(
      fq, m.graph, im, /*reference=*/true,
      [&](const mpq::test::OpOutput& o) {
        if (!mpq::rt::op_has_weights(o.record.kind)) return;
        for (size_t k = 0; k < o.got.size(); ++k) count.mismatches += o.got[k] != o.want[k];
        count.values += static_cast<int64_t>(o.got.size());
      },
      [&](size_t op) { return biases[op].empty() ? nullptr : biases[op].data(); });
  return count;
}

struct WholeModel {
  Count weighted, pool;
  int64_t pool_ties = 0;  // pool outputs whose exact mean is k + 1/2 codes
  mpq::test::LogitAgreement logits;
};

// Every op of `policy`'s blob (reference and fast kernels), the global average pool's exact
// ties, and the whole blob's logits against the fake-quant model's.
WholeModel whole_model_agreement(DefaultModel& m, const mpq::Policy& policy) {
  mpq::Model fq = m.fake_quant(policy);
  const mpq::IntegerModel im(m.export_blob(fq, policy), "blob");
  fq.forward(m.batch, false);
  WholeModel w;
  for (const bool reference : {true, false})
    mpq::test::for_each_op_output(fq, m.graph, im, reference, [&](const mpq::test::OpOutput& o) {
      const bool pool = m.graph.ops[o.op].kind == mpq::QOpKind::avgpool;
      Count& c = pool ? w.pool : w.weighted;
      for (size_t k = 0; k < o.got.size(); ++k) c.mismatches += o.got[k] != o.want[k];
      c.values += static_cast<int64_t>(o.got.size());
      if (!pool || !reference) return;
      // The mean of n = h * w codes (relative to the zero point) is a tie when its sum is
      // n / 2 modulo n: 2 * sum = n (mod 2n).
      const int64_t n = o.record.in_h * o.record.in_w, channels = o.record.out_c;
      for (int64_t c = 0; c < channels; ++c) {
        int64_t sum = 0;
        for (int64_t p = 0; p < n; ++p) sum += o.input[static_cast<size_t>(p * channels + c)] - o.record.input_zero_point;
        w.pool_ties += ((2 * sum) % (2 * n) + 2 * n) % (2 * n) == n;
      }
    });
  w.logits = mpq::test::logit_agreement(fq, m.graph, im, m.pixels);
  return w;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(fake_quant_agreement, DefaultModel)

// The default model ends in a global average pool over 2x2 pixels on its input's grid: a
// quarter of its sums are exact ties of the mean, which the fake-quant model must round as
// the kernel does (ties up). A float mean (before GridGlobalAveragePool) rounded them
// either way, as the scale's float error fell: on a PACT w4a4 fine-tune (issue 13, 150
// batches) 63% of the ties went down and the integer path agreed with it on 98.28% of the
// test images' top-1; here w8a8, w4a8 and w2a4 fail with it, w4a4 passes by its scale. The
// op check above skips the pool, and no other check compared this model's logits with
// the fake-quant model's.
BOOST_AUTO_TEST_CASE(the_global_average_pool_and_the_logits_equal_the_fake_quant_model_on_exact_ties) {
  for (const auto& [w, a] : {std::pair{8, 8}, {4, 4}, {4, 8}, {2, 4}}) {
    BOOST_TEST_CONTEXT("w" << w << "a" << a) {
      const WholeModel r = whole_model_agreement(*this, mpq::uniform_policy(graph, w, a));
      BOOST_TEST(r.pool.values == 2 * 8 * 256);
      BOOST_TEST(r.pool_ties * 20 > r.pool.values / 2);  // more than 5% of the means (12-14%)
      BOOST_TEST(r.pool.mismatches == 0);
      BOOST_TEST(r.weighted.mismatches == 0);
      BOOST_TEST(r.logits.logits == 2 * 8 * 10);
      BOOST_TEST(r.logits.mismatches + r.logits.ties == 0);
      BOOST_TEST_MESSAGE("w" << w << "a" << a << ": " << r.pool_ties << " of " << r.pool.values / 2
                             << " pool means on a tie");
    }
  }
}

BOOST_AUTO_TEST_CASE(every_integer_op_reproduces_its_fake_quant_op_on_either_bias_grid) {
  for (const bool fine : {false, true}) {
    for (const auto& [w, a] : {std::pair{8, 8}, {4, 4}, {2, 4}, {4, 2}, {2, 2}}) {
      BOOST_TEST_CONTEXT("fine_bias " << fine << " w" << w << "a" << a) {
        const Count c = op_mismatches(*this, mpq::uniform_policy(graph, w, a), fine, false);
        BOOST_TEST(c.values > 100000);
        BOOST_TEST(c.mismatches == 0);
      }
    }
  }
}

// The recipe --quantizer auto gives a policy with a 2-bit tensor (FinetuneRecipe: learned
// steps, the fine bias grid, bias correction) keeps the integer ops equal to the fake-quant
// ones at every uniform combination, as PACT does above.
BOOST_AUTO_TEST_CASE(every_integer_op_reproduces_its_fake_quant_op_with_learned_steps_and_corrected_means) {
  for (const int w : {8, 4, 2}) {
    for (const int a : {8, 4, 2}) {
      BOOST_TEST_CONTEXT("lsq, fine bias, corrected means, w" << w << "a" << a) {
        const Count c = op_mismatches(*this, mpq::uniform_policy(graph, w, a), /*fine_bias=*/true, /*coarse=*/false,
                                      nullptr, mpq::QuantizerKind::lsq, /*correct_means=*/true);
        BOOST_TEST(c.values > 100000);
        BOOST_TEST_MESSAGE("w" << w << "a" << a << ": " << c.mismatches << " of " << c.values << " codes differ");
        BOOST_TEST(c.mismatches == 0);
      }
    }
  }
}

// LSQ weight steps with PACT activations (--quantizer lsq-pact) at the sub-byte combinations.
BOOST_AUTO_TEST_CASE(every_integer_op_reproduces_its_fake_quant_op_with_lsq_weights_and_pact_activations) {
  for (const auto& [w, a] : {std::pair{4, 4}, {2, 4}, {4, 2}, {2, 2}}) {
    BOOST_TEST_CONTEXT("lsq-pact, fine bias, corrected means, w" << w << "a" << a) {
      const Count c = op_mismatches(*this, mpq::uniform_policy(graph, w, a), /*fine_bias=*/true, /*coarse=*/false,
                                    nullptr, mpq::QuantizerKind::lsq_pact, /*correct_means=*/true);
      BOOST_TEST(c.values > 100000);
      BOOST_TEST(c.mismatches == 0);
    }
  }
}

// The grid matters: with fine_bias the same ops with their biases rounded to s_in * s_w
// miss the fake-quant codes, so agreement above is not a grid-blind accident. The default
// stores every sub-byte bias (zero point folded in: multiples too) on the coarse grid, and
// the fine one does not.
BOOST_AUTO_TEST_CASE(the_other_bias_grid_would_not_reproduce_sub_byte_ops) {
  for (const auto& [w, a] : {std::pair{2, 2}, {2, 4}, {4, 2}}) {
    BOOST_TEST_CONTEXT("w" << w << "a" << a) {
      int64_t coarse_off = 0, fine_off = 0;
      op_mismatches(*this, mpq::uniform_policy(graph, w, a), false, false, &coarse_off);
      const Count c = op_mismatches(*this, mpq::uniform_policy(graph, w, a), true, true, &fine_off);
      BOOST_TEST(coarse_off == 0);
      BOOST_TEST(fine_off > 0);
      BOOST_TEST_MESSAGE("w" << w << "a" << a << ": " << c.mismatches << " of " << c.values << " codes differ");
      BOOST_TEST(c.mismatches * 200 > c.values);  // more than 0.5% (w2a2: 3.6%, w2a4: 5%, w4a2: 1%)
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
