// Pointwise convolution and fully connected: the two plain matrix-product kernels.
#include <boost/test/unit_test.hpp>
#include <vector>

#include "libmpq/kernels/convolve.hpp"
#include "libmpq/kernels/fold_input_zero_point.hpp"
#include "libmpq/kernels/fully_connected.hpp"
#include "libmpq/kernels/packing.hpp"
#include "libmpq/kernels/pointwise_convolve.hpp"
#include "tests/kernels/oracle.hpp"
#include "tests/kernels/test_helpers.hpp"

namespace mk = mpq::kernels;
using mk::Status;

namespace {

struct Quant {
  std::vector<int32_t> bias, folded, mult, shift;
};

Quant random_quant(mk::testing::CaseRng& rng, int32_t n, int32_t acc_log2, int32_t out_bits) {
  Quant q{std::vector<int32_t>(n), std::vector<int32_t>(n), std::vector<int32_t>(n), std::vector<int32_t>(n)};
  for (int32_t o = 0; o < n; ++o) {
    q.bias[o] = rng.range(-3000, 3000);
    q.mult[o] = rng.range(1 << 30, INT32_MAX);
    q.shift[o] = out_bits - acc_log2 + rng.range(-1, 1);
  }
  return q;
}

// Output `o` of one input vector through weight rows, by the oracle.
int32_t oracle_dot(const uint8_t* x, const uint8_t* weights, int32_t o, int32_t c_in,
                   const mk::ActivationFormat& in, int32_t wb, const Quant& q, const mk::OutputFormat& out) {
  const uint8_t* w = weights + o * mk::oracle::row_bytes(c_in, wb);
  int64_t acc = q.bias[o];
  for (int32_t c = 0; c < c_in; ++c) {
    acc += int64_t{mk::oracle::weight_at(w, c, wb)} * (mk::oracle::unsigned_at(x, c, in.bits) - in.zero_point);
  }
  return mk::oracle::to_code(mk::oracle::wrap(acc), q.mult[o], q.shift[o], out.zero_point, out.min, out.max);
}

void check_pointwise(const mk::PointwiseParams& p, uint64_t seed) {
  mk::testing::CaseRng rng(seed);
  auto input = random_vector(rng, mk::activation_bytes(p.input_h, p.input_w, p.input_c, p.input.bits));
  auto weights = random_vector(rng, mk::conv_weight_bytes(p.output_c, 1, 1, p.input_c, p.weight_bits));
  Quant q = random_quant(rng, p.output_c, p.input.bits + p.weight_bits - 2 + ceil_log2_host(p.input_c) / 2, p.output.bits);
  BOOST_REQUIRE(mk::fold_input_zero_point(weights.data(), p.output_c, 1, p.input_c, p.weight_bits,
                                          p.input.zero_point, q.bias.data(), q.folded.data()) == Status::ok);
  const int32_t out_bytes = mk::activation_bytes(p.input_h, p.input_w, p.output_c, p.output.bits);
  std::vector<uint8_t> ref(out_bytes, 0xA5), fast(out_bytes, 0x5A), scratch(mk::pointwise_convolve_fast_get_buffer_size(p) + 4);
  BOOST_REQUIRE(mk::pointwise_convolve_ref(p, input.data(), weights.data(), q.folded.data(), q.mult.data(), q.shift.data(), ref.data()) == Status::ok);
  BOOST_REQUIRE(mk::pointwise_convolve_fast(p, input.data(), weights.data(), q.folded.data(), q.mult.data(), q.shift.data(),
                                            aligned4(scratch), static_cast<int32_t>(scratch.size()) - 4, fast.data()) == Status::ok);
  BOOST_TEST(ref == fast, boost::test_tools::per_element());
  const int64_t in_px = mk::oracle::row_bytes(p.input_c, p.input.bits), out_px = mk::oracle::row_bytes(p.output_c, p.output.bits);
  int32_t mismatches = 0;
  for (int64_t i = 0; i < int64_t{p.input_h} * p.input_w; ++i) {
    for (int32_t o = 0; o < p.output_c; ++o) {
      const int32_t want = oracle_dot(input.data() + i * in_px, weights.data(), o, p.input_c, p.input, p.weight_bits, q, p.output);
      if (want != mk::oracle::unsigned_at(ref.data() + i * out_px, o, p.output.bits)) ++mismatches;
    }
  }
  BOOST_TEST(mismatches == 0);
  BOOST_TEST(padding_bits_are_zero(ref, int64_t{p.input_h} * p.input_w, p.output_c, p.output.bits));

  // The same layer as a general 1x1 convolution gives the same bytes.
  mk::ConvParams c{};
  c.input_h = p.input_h;
  c.input_w = p.input_w;
  c.input_c = p.input_c;
  c.output_c = p.output_c;
  c.kernel_h = c.kernel_w = c.stride_h = c.stride_w = 1;
  c.input = p.input;
  c.weight_bits = p.weight_bits;
  c.output = p.output;
  std::vector<uint8_t> via_conv(out_bytes);
  BOOST_REQUIRE(mk::convolve_ref(c, input.data(), weights.data(), q.folded.data(), q.mult.data(), q.shift.data(), via_conv.data()) == Status::ok);
  BOOST_TEST(via_conv == ref, boost::test_tools::per_element());
}

void check_fully_connected(const mk::FullyConnectedParams& p, uint64_t seed) {
  mk::testing::CaseRng rng(seed);
  auto input = random_vector(rng, mk::packed_row_bytes(p.input_c, p.input.bits));
  auto weights = random_vector(rng, mk::fully_connected_weight_bytes(p.output_c, p.input_c, p.weight_bits));
  Quant q = random_quant(rng, p.output_c, p.input.bits + p.weight_bits - 2 + ceil_log2_host(p.input_c) / 2, p.output.bits);
  BOOST_REQUIRE(mk::fold_input_zero_point(weights.data(), p.output_c, 1, p.input_c, p.weight_bits,
                                          p.input.zero_point, q.bias.data(), q.folded.data()) == Status::ok);
  const int32_t out_bytes = mk::packed_row_bytes(p.output_c, p.output.bits);
  std::vector<uint8_t> ref(out_bytes, 0xA5), fast(out_bytes, 0x5A), scratch(mk::fully_connected_fast_get_buffer_size(p) + 4);
  BOOST_REQUIRE(mk::fully_connected_ref(p, input.data(), weights.data(), q.folded.data(), q.mult.data(), q.shift.data(), ref.data()) == Status::ok);
  BOOST_REQUIRE(mk::fully_connected_fast(p, input.data(), weights.data(), q.folded.data(), q.mult.data(), q.shift.data(),
                                         aligned4(scratch), static_cast<int32_t>(scratch.size()) - 4, fast.data()) == Status::ok);
  BOOST_TEST(ref == fast, boost::test_tools::per_element());
  for (int32_t o = 0; o < p.output_c; ++o) {
    BOOST_TEST(oracle_dot(input.data(), weights.data(), o, p.input_c, p.input, p.weight_bits, q, p.output) ==
               mk::oracle::unsigned_at(ref.data(), o, p.output.bits));
  }
  BOOST_TEST(padding_bits_are_zero(ref, 1, p.output_c, p.output.bits));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(gemm_kernels)

BOOST_AUTO_TEST_CASE(pointwise_reference_matches_oracle_and_the_general_convolution) {
  int32_t i = 0;
  for (int32_t xb : {8, 4, 2}) {
    for (int32_t wb : {8, 4, 2}) {
      for (int32_t ob : {8, 4, 2}) {
        BOOST_TEST_CONTEXT("bits " << xb << "/" << wb << "/" << ob) {
          for (int32_t c_in : {1, 16, 37}) {
            mk::PointwiseParams p{3, 5, c_in, c_in == 16 ? 9 : 16, {xb, (1 << xb) / 3}, wb, mk::full_range_output(ob, 1)};
            check_pointwise(p, 3000 + i++);
          }
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(fully_connected_reference_matches_oracle) {
  int32_t i = 0;
  for (int32_t xb : {8, 4, 2}) {
    for (int32_t wb : {8, 4, 2}) {
      for (int32_t ob : {8, 4, 2}) {
        BOOST_TEST_CONTEXT("bits " << xb << "/" << wb << "/" << ob) {
          for (int32_t c_in : {1, 7, 64, 257}) {
            mk::FullyConnectedParams p{c_in, c_in == 64 ? 10 : 7, {xb, xb == 8 ? 128 : 0}, wb, mk::full_range_output(ob, 0)};
            check_fully_connected(p, 4000 + i++);
          }
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(bad_arguments_return_their_status) {
  std::vector<uint8_t> in(512), w(4096), out(512), scratch_v(4096);
  void* scratch = aligned4(scratch_v);
  int32_t mult[16], shift[16] = {};
  for (auto& m : mult) m = 1 << 30;
  const mk::PointwiseParams pw{2, 2, 16, 16, {8, 0}, 8, mk::full_range_output(8, 0)};
  auto run_pw = [&](const mk::PointwiseParams& p) {
    const Status r = mk::pointwise_convolve_ref(p, in.data(), w.data(), nullptr, mult, shift, out.data());
    BOOST_TEST(r == mk::pointwise_convolve_fast(p, in.data(), w.data(), nullptr, mult, shift, scratch, 4000, out.data()));
    return r;
  };
  BOOST_TEST(run_pw(pw) == Status::ok);
  auto pw_with = [&](auto change) { mk::PointwiseParams p = pw; change(p); return run_pw(p); };
  BOOST_TEST(pw_with([](auto& p) { p.input.bits = 6; }) == Status::bad_bits);
  BOOST_TEST(pw_with([](auto& p) { p.output.zero_point = 256; }) == Status::bad_zero_point);
  BOOST_TEST(pw_with([](auto& p) { p.output.min = -1; }) == Status::bad_clamp);
  BOOST_TEST(pw_with([](auto& p) { p.input_w = 0; }) == Status::bad_shape);
  BOOST_TEST(pw_with([](auto& p) { p.input_c = 70000; p.input_h = p.input_w = 1; }) == Status::too_deep);
  BOOST_TEST(mk::pointwise_convolve_fast(pw, in.data(), w.data(), nullptr, mult, shift, scratch,
                                         mk::pointwise_convolve_fast_get_buffer_size(pw) - 1, out.data()) == Status::bad_scratch);
  BOOST_TEST(mk::pointwise_convolve_ref(pw, in.data(), w.data(), nullptr, mult, nullptr, out.data()) == Status::null_pointer);

  const mk::FullyConnectedParams fc{16, 16, {8, 0}, 4, mk::full_range_output(4, 0)};
  auto run_fc = [&](const mk::FullyConnectedParams& p) {
    const Status r = mk::fully_connected_ref(p, in.data(), w.data(), nullptr, mult, shift, out.data());
    BOOST_TEST(r == mk::fully_connected_fast(p, in.data(), w.data(), nullptr, mult, shift, scratch, 4000, out.data()));
    return r;
  };
  BOOST_TEST(run_fc(fc) == Status::ok);
  auto fc_with = [&](auto change) { mk::FullyConnectedParams p = fc; change(p); return run_fc(p); };
  BOOST_TEST(fc_with([](auto& p) { p.weight_bits = 0; }) == Status::bad_bits);
  BOOST_TEST(fc_with([](auto& p) { p.output.max = 16; }) == Status::bad_clamp);
  BOOST_TEST(fc_with([](auto& p) { p.output_c = 0; }) == Status::bad_shape);
  mult[5] = -7;
  BOOST_TEST(run_fc(fc) == Status::bad_multiplier);
  BOOST_TEST(mk::fully_connected_fast(fc, nullptr, w.data(), nullptr, mult, shift, scratch, 4000, out.data()) == Status::null_pointer);
}

BOOST_AUTO_TEST_SUITE_END()
