// In-place pointwise convolution, first step (libmpq/runtime/inplace_pointwise.hpp): the
// lag against a byte-level simulation of the reference kernel's order of writes and reads
// (the least it allows), and both pointwise kernels run with output = input - lag bit for
// bit as with separate buffers, on random shapes and widths; the reference kernel breaks
// with a smaller lag, so the check can fail.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <random>
#include <vector>

#include "libmpq/kernels/packing.hpp"
#include "libmpq/kernels/pointwise_convolve.hpp"
#include "libmpq/runtime/inplace_pointwise.hpp"

using mpq::rt::inplace_pixelwise_lag;
using mpq::rt::inplace_pointwise_lag;
using mpq::rt::OpRecord;
namespace k = mpq::kernels;

namespace {

int32_t uniform(std::mt19937& rng, int32_t lo, int32_t hi) { return std::uniform_int_distribution<int32_t>(lo, hi)(rng); }
int32_t pick_bits(std::mt19937& rng) { return 2 << uniform(rng, 0, 2); }  // 2, 4 or 8

struct Shape {
  k::PointwiseParams p;
  OpRecord record;
};

Shape make_shape(int32_t h, int32_t w, int32_t in_c, int32_t out_c, int32_t in_bits, int32_t out_bits,
                 int32_t weight_bits) {
  Shape s;
  s.p = k::PointwiseParams{h, w, in_c, out_c, k::ActivationFormat{in_bits, 0}, weight_bits,
                           k::OutputFormat{out_bits, 0, 0, (1 << out_bits) - 1}};
  OpRecord& r = s.record;
  r.kind = mpq::blob::op_kind::conv;
  r.kernel = 1;
  r.stride = 1;
  r.padding = 0;
  r.input_bits = static_cast<uint8_t>(in_bits);
  r.output_bits = static_cast<uint8_t>(out_bits);
  r.weight_bits = static_cast<uint8_t>(weight_bits);
  r.in_h = r.out_h = static_cast<uint16_t>(h);
  r.in_w = r.out_w = static_cast<uint16_t>(w);
  r.in_c = static_cast<uint16_t>(in_c);
  r.out_c = static_cast<uint16_t>(out_c);
  return s;
}

Shape random_shape(std::mt19937& rng) {
  return make_shape(uniform(rng, 1, 9), uniform(rng, 1, 9), uniform(rng, 1, 40), uniform(rng, 1, 40), pick_bits(rng),
                    pick_bits(rng), pick_bits(rng));
}

// The reference kernel's order, byte by byte: pixel p's output bytes are written (cleared
// first) and then every byte of p's input read, for p = 0, 1, ... True when no byte read
// has been overwritten by then.
bool simulation_allows(const Shape& s, int64_t lag) {
  const int64_t in_pixel = k::packed_row_bytes(s.p.input_c, s.p.input.bits);
  const int64_t out_pixel = k::packed_row_bytes(s.p.output_c, s.p.output.bits);
  const int64_t pixels = static_cast<int64_t>(s.p.input_h) * s.p.input_w;
  std::vector<char> overwritten(static_cast<size_t>(pixels * in_pixel), 0);
  for (int64_t p = 0; p < pixels; ++p) {
    const int64_t begin = -lag + p * out_pixel;  // in input coordinates
    for (int64_t b = std::max<int64_t>(begin, 0); b < std::min<int64_t>(begin + out_pixel, pixels * in_pixel); ++b)
      overwritten[static_cast<size_t>(b)] = 1;
    for (int64_t b = p * in_pixel; b < (p + 1) * in_pixel; ++b)
      if (overwritten[static_cast<size_t>(b)]) return false;
  }
  return true;
}

struct Run {
  std::vector<uint8_t> weights;
  std::vector<int32_t> bias, multiplier, shift;
};

Run random_run(std::mt19937& rng, const k::PointwiseParams& p) {
  Run run;
  run.weights.resize(static_cast<size_t>(k::conv_weight_bytes(p.output_c, 1, 1, p.input_c, p.weight_bits)));
  for (uint8_t& b : run.weights) b = static_cast<uint8_t>(uniform(rng, 0, 255));
  for (int32_t o = 0; o < p.output_c; ++o) {
    run.bias.push_back(uniform(rng, -2000, 2000));
    run.multiplier.push_back(uniform(rng, 1 << 29, (1 << 30) + (1 << 29)));
    run.shift.push_back(uniform(rng, -12, -4));
  }
  return run;
}

// The op's output from a separate input, and again over its own input (output = buffer,
// input at buffer + lag). True when both are equal.
bool in_place_matches(const Shape& s, const Run& run, const std::vector<uint8_t>& input, uint32_t lag, bool fast) {
  const k::PointwiseParams& p = s.p;
  const size_t out_bytes = static_cast<size_t>(k::activation_bytes(p.input_h, p.input_w, p.output_c, p.output.bits));
  std::vector<int32_t> scratch(static_cast<size_t>(k::pointwise_convolve_fast_get_buffer_size(p) + 3) / 4 + 1);
  const int32_t scratch_bytes = static_cast<int32_t>(scratch.size() * 4);
  auto call = [&](const uint8_t* in, uint8_t* out) {
    return fast ? k::pointwise_convolve_fast(p, in, run.weights.data(), run.bias.data(), run.multiplier.data(),
                                             run.shift.data(), scratch.data(), scratch_bytes, out)
                : k::pointwise_convolve_ref(p, in, run.weights.data(), run.bias.data(), run.multiplier.data(),
                                            run.shift.data(), out);
  };
  std::vector<uint8_t> separate(out_bytes);
  BOOST_REQUIRE(call(input.data(), separate.data()) == k::Status::ok);
  const size_t extent = std::max(lag + input.size(), out_bytes);
  std::vector<uint32_t> words(extent / 4 + 2, 0xA5A5A5A5u);  // 4-byte aligned, as in the arena
  uint8_t* base = reinterpret_cast<uint8_t*>(words.data());
  std::copy(input.begin(), input.end(), base + lag);
  BOOST_REQUIRE(call(base + lag, base) == k::Status::ok);
  return std::equal(separate.begin(), separate.end(), base);
}

std::vector<uint8_t> random_input(std::mt19937& rng, const k::PointwiseParams& p) {
  std::vector<uint8_t> input(static_cast<size_t>(k::activation_bytes(p.input_h, p.input_w, p.input_c, p.input.bits)));
  for (uint8_t& b : input) b = static_cast<uint8_t>(uniform(rng, 0, 255));
  return input;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(inplace_pointwise)

BOOST_AUTO_TEST_CASE(lag_is_the_smallest_the_byte_simulation_allows) {
  std::mt19937 rng(23);
  for (int trial = 0; trial < 600; ++trial) {
    const Shape s = random_shape(rng);
    const int32_t lag = inplace_pointwise_lag(s.record);
    BOOST_REQUIRE(lag > 0);
    BOOST_TEST(simulation_allows(s, lag), "trial " << trial << " lag " << lag);
    BOOST_TEST(!simulation_allows(s, lag - 1), "trial " << trial << ": lag " << lag << " is not the least");
  }
}

BOOST_AUTO_TEST_CASE(lag_of_hand_computed_cases) {
  // 2x2 pixels, 8 -> 16 channels at 8 bits: pixel p's output ends at 16 (p + 1), its input
  // starts at 8 p; worst at p = 3: 64 - 24 = 40. The pair takes 40 + 32 = 72 bytes, the
  // output (64) plus one input pixel, against 96 apart.
  BOOST_TEST(inplace_pointwise_lag(make_shape(2, 2, 8, 16, 8, 8, 8).record) == 40);
  // Shrinking (16 -> 8 channels): only pixel 0 binds, lag one output pixel (8 bytes).
  BOOST_TEST(inplace_pointwise_lag(make_shape(2, 2, 16, 8, 8, 8, 8).record) == 8);
  // Same channels, 8-bit in and 4-bit out: 3 channels round up to 2 bytes out, 3 in.
  BOOST_TEST(inplace_pointwise_lag(make_shape(3, 1, 3, 3, 8, 4, 8).record) == 2);
  BOOST_TEST(inplace_pixelwise_lag(0, 4, 4) == -1);
  OpRecord strided = make_shape(4, 4, 8, 8, 8, 8, 8).record;
  strided.stride = 2;  // a strided 1x1 conv runs on convolve, not on the pointwise kernels
  BOOST_TEST(inplace_pointwise_lag(strided) == -1);
  OpRecord depthwise = make_shape(4, 4, 8, 8, 8, 8, 8).record;
  depthwise.kind = mpq::blob::op_kind::depthwise;
  BOOST_TEST(inplace_pointwise_lag(depthwise) == -1);
}

BOOST_AUTO_TEST_CASE(kernels_run_in_place_bit_exact) {
  std::mt19937 rng(2323);
  int broken_with_less = 0;
  for (int trial = 0; trial < 400; ++trial) {
    const Shape s = random_shape(rng);
    const Run run = random_run(rng, s.p);
    const std::vector<uint8_t> input = random_input(rng, s.p);
    const uint32_t lag = (static_cast<uint32_t>(inplace_pointwise_lag(s.record)) + 3u) & ~3u;
    BOOST_TEST(in_place_matches(s, run, input, lag, false), "reference kernel, trial " << trial << " lag " << lag);
    BOOST_TEST(in_place_matches(s, run, input, lag, true), "fast kernel, trial " << trial << " lag " << lag);
    // An output written one pixel too far ahead reaches the input the reference kernel
    // still reads: this check fails unless the lag matters.
    const uint32_t out_pixel = static_cast<uint32_t>(k::packed_row_bytes(s.p.output_c, s.p.output.bits));
    if (lag >= out_pixel + 4 && !in_place_matches(s, run, input, (lag - out_pixel - 4) & ~3u, false))
      ++broken_with_less;
  }
  BOOST_TEST(broken_with_less > 100);
}

BOOST_AUTO_TEST_SUITE_END()
