// Every weighted op of an exported blob computes what its fake-quant op computes, code for
// code, at sub-byte bits too, on either bias grid (FakeQuantOptions::fine_bias): both round
// the biases of b-bit weights to the same grid, s_in * s_w by default or the accumulator's
// s_in * s_w / 2^(8 - b), and the blob stores them in the accumulator's unit. Each op is checked on its own (the fake-quant
// model's input codes of the op through the blob's record and the reference kernel,
// against the fake-quant model's output codes), so one float near-tie cannot spread.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "libmpq/export/integer_model.hpp"
#include "libmpq/kernels/kernels.hpp"
#include "libmpq/quant/activation_quantizer.hpp"
#include "libmpq/runtime/blob_format.hpp"
#include "libmpq/runtime/op_record.hpp"
#include "tests/export/default_model.hpp"

namespace {

namespace mk = mpq::kernels;
using mpq::test::DefaultModel;

struct Count {
  int64_t values = 0, mismatches = 0;
};

// The codes of one image of node `name`'s output (an activation quantizer of `fq`).
std::vector<uint8_t> codes_of(mpq::Model& fq, const std::string& name, int64_t image) {
  const int node = fq.find(name);
  BOOST_REQUIRE(node >= 0);
  const auto* q = dynamic_cast<const mpq::ActivationQuantizer*>(fq.node(static_cast<size_t>(node)).layer.get());
  BOOST_REQUIRE(q != nullptr);
  const mpq::Tensor& t = fq.output_of(static_cast<size_t>(node));
  const int64_t per = t.size() / t.dim(0);
  std::vector<uint8_t> codes(static_cast<size_t>(per));
  for (int64_t i = 0; i < per; ++i) codes[static_cast<size_t>(i)] = static_cast<uint8_t>(q->grid().code(t[image * per + i]));
  return codes;
}

std::vector<uint8_t> packed(const std::vector<uint8_t>& codes, int32_t rows, int32_t count, int32_t bits) {
  std::vector<uint8_t> out(static_cast<size_t>(mk::activation_bytes(rows, 1, count, bits)));
  BOOST_REQUIRE(mk::pack_unsigned_rows(codes.data(), rows, count, bits, out.data()) == mk::Status::ok);
  return out;
}

// Runs record r's reference kernel on `input` (packed) with `bias`; returns the output codes.
std::vector<uint8_t> run_op(const mpq::rt::OpRecord& r, const uint8_t* blob, const std::vector<uint8_t>& input,
                            const int32_t* bias) {
  const uint8_t* weights = blob + r.weights_offset;
  const auto* params = reinterpret_cast<const int32_t*>(blob + r.channel_params_offset);
  const int32_t* mult = params + r.out_c;
  const int32_t* shift = params + 2 * r.out_c;
  const mk::ActivationFormat in{r.input_bits, r.input_zero_point};
  const mk::OutputFormat out{r.output_bits, r.output_zero_point, r.output_min, r.output_max};
  const int32_t rows = r.out_h * r.out_w;
  std::vector<uint8_t> y(static_cast<size_t>(mk::activation_bytes(rows, 1, r.out_c, r.output_bits)));
  mk::Status s = mk::Status::ok;
  if (r.kind == mpq::blob::op_kind::conv) {
    const mk::ConvParams p{r.in_h, r.in_w, r.in_c, r.out_c, r.kernel, r.kernel, r.stride, r.stride,
                           r.padding, r.padding, r.padding, r.padding, in, r.weight_bits, out};
    s = mk::convolve_ref(p, input.data(), weights, bias, mult, shift, y.data());
  } else if (r.kind == mpq::blob::op_kind::depthwise) {
    const mk::DepthwiseParams p{r.in_h, r.in_w, r.in_c, r.kernel, r.kernel, r.stride, r.stride,
                                r.padding, r.padding, r.padding, r.padding, in, r.weight_bits, out};
    s = mk::depthwise_convolve_ref(p, input.data(), weights, bias, mult, shift, y.data());
  } else {
    const mk::FullyConnectedParams p{r.in_c, r.out_c, in, r.weight_bits, out};
    s = mk::fully_connected_ref(p, input.data(), weights, bias, mult, shift, y.data());
  }
  BOOST_REQUIRE(s == mk::Status::ok);
  std::vector<uint8_t> codes(static_cast<size_t>(rows) * r.out_c);
  BOOST_REQUIRE(mk::unpack_unsigned_rows(y.data(), rows, r.out_c, r.output_bits, codes.data()) == mk::Status::ok);
  return codes;
}

// Every weighted op of `policy`'s blob against its fake-quant op on the calibration batch.
// fine_bias: the fake-quant model's (and so the blob's) bias grid. coarse: the blob's biases
// rounded to s_in * s_w (multiples of 2^(8 - w_bits) in its unit) before they are used.
// off_grid: how many stored biases are not multiples of 2^(8 - w_bits).
Count op_mismatches(DefaultModel& m, const mpq::Policy& policy, bool fine_bias, bool coarse, int64_t* off_grid = nullptr) {
  mpq::Model fq = m.fake_quant(policy, fine_bias);
  const std::vector<uint8_t> blob_bytes = m.export_blob(fq, policy);
  const mpq::IntegerModel im(blob_bytes, "blob");  // validated, and 4-byte aligned
  const uint8_t* blob = im.view().blob;
  fq.forward(m.batch, false);
  Count count;
  for (size_t i = 0; i < m.graph.ops.size(); ++i) {
    const mpq::QOp& op = m.graph.ops[i];
    const mpq::rt::OpRecord r = mpq::rt::decode_op_record(im.view().ops + i * mpq::blob::kOpRecordBytes);
    if (!mpq::rt::op_has_weights(r.kind)) continue;
    const std::string input = op.inputs[0] == mpq::QOp::kInput ? "input.q" : m.graph.ops[static_cast<size_t>(op.inputs[0])].name + ".q";
    const auto* stored = reinterpret_cast<const int32_t*>(blob + r.channel_params_offset);
    std::vector<int32_t> bias(stored, stored + r.out_c);
    if (off_grid)
      for (int32_t b : bias) *off_grid += b % (1 << (8 - r.weight_bits)) != 0;
    if (coarse) {
      const double unit = 1 << (8 - r.weight_bits);
      for (int32_t& b : bias) b = static_cast<int32_t>(std::nearbyint(b / unit) * unit);
    }
    for (int64_t image = 0; image < m.batch.dim(0); ++image) {
      const std::vector<uint8_t> x = codes_of(fq, input, image);
      const std::vector<uint8_t> want = codes_of(fq, op.name + ".q", image);
      const std::vector<uint8_t> got = run_op(r, blob, packed(x, r.in_h * r.in_w, r.in_c, r.input_bits), bias.data());
      BOOST_REQUIRE(got.size() == want.size());
      for (size_t k = 0; k < got.size(); ++k) count.mismatches += got[k] != want[k];
      count.values += static_cast<int64_t>(got.size());
    }
  }
  return count;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(fake_quant_agreement, DefaultModel)

BOOST_AUTO_TEST_CASE(every_integer_op_reproduces_its_fake_quant_op_on_either_bias_grid) {
  for (const bool fine : {false, true}) {
    for (const auto& [w, a] : {std::pair{8, 8}, {4, 4}, {2, 4}, {4, 2}, {2, 2}}) {
      BOOST_TEST_CONTEXT("fine_bias " << fine << " w" << w << "a" << a) {
        const Count c = op_mismatches(*this, mpq::uniform_policy(graph, w, a), fine, false);
        BOOST_TEST(c.values > 100000);
        if (w == 8) {
          // 8-bit sums of hundreds of float products can land within float rounding of a tie
          // (one code of 823,376 here); sub-byte sums are short and exact in float.
          BOOST_TEST(c.mismatches * 100000 <= c.values);
        } else {
          BOOST_TEST(c.mismatches == 0);
        }
      }
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
