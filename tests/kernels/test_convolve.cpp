#include <boost/test/unit_test.hpp>
#include <vector>

#include "libmpq/kernels/convolve.hpp"
#include "libmpq/kernels/fold_input_zero_point.hpp"
#include "libmpq/kernels/packing.hpp"
#include "tests/kernels/cases/kernel_cases.hpp"
#include "tests/kernels/oracle.hpp"
#include "tests/kernels/test_helpers.hpp"

namespace mk = mpq::kernels;
using mk::Status;

namespace {

mk::ConvParams conv(int32_t h, int32_t w, int32_t c_in, int32_t c_out, int32_t k, int32_t stride,
                    int32_t pad, int32_t xb, int32_t wb, int32_t ob) {
  mk::ConvParams p{};
  p.input_h = h;
  p.input_w = w;
  p.input_c = c_in;
  p.output_c = c_out;
  p.kernel_h = p.kernel_w = k;
  p.stride_h = p.stride_w = stride;
  p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = pad;
  p.input = {xb, xb == 8 ? 7 : 1};
  p.weight_bits = wb;
  p.output = mk::full_range_output(ob, ob == 8 ? 100 : 2);
  return p;
}

// How check_conv draws the requantization: every multiplier below 1/2 with a right shift
// of at least 1 (kSmall: also channels with a right shift of 0, the rounding constant 2^31;
// kLarge: one channel's multiplier of 1/2 and above).
enum Requant { kUsual, kSmall, kLarge };

// Reference vs the oracle (with the unfolded bias) and fast vs reference, on random data.
void check_conv(const mk::ConvParams& p, uint64_t seed, Requant requant = kUsual) {
  mk::testing::CaseRng rng(seed);
  const int32_t out_h = mk::conv_output_size(p.input_h, p.kernel_h, p.stride_h, p.pad_top, p.pad_bottom);
  const int32_t out_w = mk::conv_output_size(p.input_w, p.kernel_w, p.stride_w, p.pad_left, p.pad_right);
  BOOST_REQUIRE(out_h > 0 && out_w > 0);
  auto input = random_vector(rng, mk::activation_bytes(p.input_h, p.input_w, p.input_c, p.input.bits));
  auto weights = random_vector(rng, mk::conv_weight_bytes(p.output_c, p.kernel_h, p.kernel_w, p.input_c, p.weight_bits));
  std::vector<int32_t> bias(p.output_c), folded(p.output_c), mult(p.output_c), shift(p.output_c);
  const int32_t depth = p.kernel_h * p.kernel_w * p.input_c;
  for (int32_t o = 0; o < p.output_c; ++o) {
    bias[o] = rng.range(-5000, 5000);
    mult[o] = rng.range(1 << 30, INT32_MAX);
    shift[o] = p.output.bits - (p.input.bits + p.weight_bits - 2 + ceil_log2_host(depth) / 2) + rng.range(-1, 1);
  }
  for (int32_t o = 0; o < p.output_c && requant == kSmall; o += 2) {
    mult[o] = rng.range(1 << 17, 1 << 20);  // |acc| < 2^20: codes around +-100
    shift[o] = -1;
  }
  if (requant == kLarge) shift[p.output_c - 1] = 0;
  BOOST_REQUIRE(mk::fold_input_zero_point(weights.data(), p.output_c, p.kernel_h * p.kernel_w,
                                          p.input_c, p.weight_bits, p.input.zero_point,
                                          bias.data(), folded.data()) == Status::ok);
  const int32_t out_bytes = mk::activation_bytes(out_h, out_w, p.output_c, p.output.bits);
  std::vector<uint8_t> ref(out_bytes, 0xA5), fast(out_bytes, 0x5A);
  BOOST_REQUIRE(mk::convolve_ref(p, input.data(), weights.data(), folded.data(), mult.data(),
                                 shift.data(), ref.data()) == Status::ok);
  std::vector<uint8_t> scratch_bytes(mk::convolve_fast_get_buffer_size(p) + 8);
  void* scratch = aligned4(scratch_bytes);
  BOOST_REQUIRE(mk::convolve_fast(p, input.data(), weights.data(), folded.data(), mult.data(),
                                  shift.data(), scratch, mk::convolve_fast_get_buffer_size(p),
                                  fast.data()) == Status::ok);
  BOOST_TEST(ref == fast, boost::test_tools::per_element());

  const int64_t in_px = mk::oracle::row_bytes(p.input_c, p.input.bits);
  const int64_t out_px = mk::oracle::row_bytes(p.output_c, p.output.bits);
  const int64_t w_tap = mk::oracle::row_bytes(p.input_c, p.weight_bits);
  int32_t mismatches = 0;
  for (int32_t oy = 0; oy < out_h; ++oy) {
    for (int32_t ox = 0; ox < out_w; ++ox) {
      for (int32_t o = 0; o < p.output_c; ++o) {
        int64_t acc = bias[o];
        for (int32_t ky = 0; ky < p.kernel_h; ++ky) {
          for (int32_t kx = 0; kx < p.kernel_w; ++kx) {
            const int32_t iy = oy * p.stride_h - p.pad_top + ky;
            const int32_t ix = ox * p.stride_w - p.pad_left + kx;
            if (iy < 0 || iy >= p.input_h || ix < 0 || ix >= p.input_w) continue;  // real zero
            const uint8_t* x = input.data() + (int64_t{iy} * p.input_w + ix) * in_px;
            const uint8_t* w = weights.data() + ((int64_t{o} * p.kernel_h + ky) * p.kernel_w + kx) * w_tap;
            for (int32_t c = 0; c < p.input_c; ++c) {
              acc += int64_t{mk::oracle::weight_at(w, c, p.weight_bits)} *
                     (mk::oracle::unsigned_at(x, c, p.input.bits) - p.input.zero_point);
            }
          }
        }
        const int32_t want = mk::oracle::to_code(mk::oracle::wrap(acc), mult[o], shift[o],
                                                 p.output.zero_point, p.output.min, p.output.max);
        const int32_t got = mk::oracle::unsigned_at(ref.data() + (int64_t{oy} * out_w + ox) * out_px, o, p.output.bits);
        if (want != got && mismatches++ < 5) {
          BOOST_ERROR("pixel (" << oy << "," << ox << ") channel " << o << ": oracle " << want << ", reference " << got);
        }
      }
    }
  }
  BOOST_TEST(mismatches == 0);
  BOOST_TEST(padding_bits_are_zero(ref, out_h * out_w, p.output_c, p.output.bits));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(convolve)

BOOST_AUTO_TEST_CASE(fast_matches_reference_on_random_cases_of_every_bit_combination) {
  expect_no_failures(mk::testing::Family::convolve, 101, 27 * 40);
}

BOOST_AUTO_TEST_CASE(reference_matches_oracle_for_every_bit_combination) {
  int32_t i = 0;
  for (int32_t xb : {8, 4, 2}) {
    for (int32_t wb : {8, 4, 2}) {
      for (int32_t ob : {8, 4, 2}) {
        BOOST_TEST_CONTEXT("bits " << xb << "/" << wb << "/" << ob) {
          check_conv(conv(6, 5, 7, 5, 3, 1, 1, xb, wb, ob), 1000 + i++);
          check_conv(conv(7, 7, 3, 16, 3, 2, 1, xb, wb, ob), 1000 + i++);
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(one_channel_in_and_out) {
  check_conv(conv(5, 4, 1, 1, 3, 1, 1, 8, 8, 8), 1);
  check_conv(conv(5, 4, 1, 1, 3, 1, 1, 2, 4, 2), 2);
}

BOOST_AUTO_TEST_CASE(odd_channel_counts) {
  check_conv(conv(4, 4, 5, 3, 3, 1, 1, 4, 4, 4), 3);
  check_conv(conv(4, 4, 13, 7, 1, 1, 0, 2, 2, 4), 4);
  check_conv(conv(3, 5, 33, 17, 2, 1, 0, 8, 2, 2), 5);
}

BOOST_AUTO_TEST_CASE(stride_two_with_odd_sizes) {
  check_conv(conv(7, 9, 3, 8, 3, 2, 1, 8, 8, 8), 6);
  check_conv(conv(9, 7, 6, 5, 3, 2, 0, 4, 2, 8), 7);
  check_conv(conv(5, 5, 4, 4, 5, 2, 2, 2, 8, 4), 8);
}

BOOST_AUTO_TEST_CASE(first_layer_shapes_with_one_to_three_channels) {
  // The fast path's few-channel cases: interior windows copied as whole kernel rows (2-3
  // and 4-12 bytes), fewer lane words at 4- and 2-bit weights, 2-bit rows ending in one
  // byte, output pixel counts that are not a multiple of 4 (the last group repeats a
  // pixel), and an output clamp narrower than the code range.
  int32_t seed = 2000;
  for (int32_t c_in : {1, 2, 3}) {
    for (int32_t xb : {8, 4, 2}) {
      for (int32_t wb : {8, 4, 2}) {
        for (int32_t ob : {8, 4, 2}) {
          BOOST_TEST_CONTEXT("c_in " << c_in << ", bits " << xb << "/" << wb << "/" << ob) {
            mk::ConvParams p = conv(13, 11, c_in, 5, 3, 2, 1, xb, wb, ob);
            p.pad_top = 0;  // TF "SAME" at stride 2: the padding after
            p.pad_left = 0;
            check_conv(p, seed++);
            p = conv(9, 10, c_in, 16, 3, 1, 1, xb, wb, ob);
            p.output.max = p.output.max * 3 / 4;  // a ReLU6-style clip
            check_conv(p, seed++);
            check_conv(conv(10, 9, c_in, 3, 5, 2, 2, xb, wb, ob), seed++);
            check_conv(conv(5, 6, c_in, 6, 1, 1, 0, xb, wb, ob), seed++);  // 1x1: one tap
          }
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(first_layer_at_eight_bits) {
  // The stem path (3x3, 3 channels, 8/8/8, full-range output, every multiplier below 1/2):
  // strides, padding, pixel counts that are not a multiple of 4 (the short last group),
  // zero points 0 and 255, right shifts of 0, and what falls back to the GEMM (a multiplier
  // of 1/2 and above, a narrowed clamp).
  int32_t seed = 4000;
  for (int32_t c_out : {1, 3, 16, 17}) {
    for (Requant rq : {kUsual, kSmall, kLarge}) {
      BOOST_TEST_CONTEXT("c_out " << c_out << ", requant " << rq) {
        check_conv(conv(32, 32, 3, c_out, 3, 2, 1, 8, 8, 8), seed++, rq);
        check_conv(conv(7, 9, 3, c_out, 3, 1, 1, 8, 8, 8), seed++, rq);
        mk::ConvParams p = conv(11, 13, 3, c_out, 3, 2, 1, 8, 8, 8);
        p.pad_top = p.pad_left = 0;
        p.input.zero_point = 0;
        p.output.zero_point = 255;
        check_conv(p, seed++, rq);
        p = conv(5, 6, 3, c_out, 3, 1, 0, 8, 8, 8);
        p.output.zero_point = 0;
        check_conv(p, seed++, rq);
        p.output.max = 200;
        check_conv(p, seed++, rq);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(four_bit_input_two_bit_weights_in_whole_words) {
  // The stream built straight from 4-bit pixels when a tap is whole 2-bit weight words
  // (channels a multiple of 16): padding taps, strides, 1x1 to 5x5, pixel counts that are
  // not a multiple of 4, every output width and a narrowed clamp.
  int32_t seed = 3000;
  for (int32_t c_in : {16, 32, 48}) {
    for (int32_t ob : {8, 4, 2}) {
      BOOST_TEST_CONTEXT("c_in " << c_in << ", output bits " << ob) {
        check_conv(conv(7, 6, c_in, 9, 3, 1, 1, 4, 2, ob), seed++);
        check_conv(conv(9, 7, c_in, 5, 3, 2, 1, 4, 2, ob), seed++);
        check_conv(conv(5, 5, c_in, 3, 5, 2, 2, 4, 2, ob), seed++);
        check_conv(conv(3, 5, c_in, 17, 1, 1, 0, 4, 2, ob), seed++);
        mk::ConvParams p = conv(6, 5, c_in, 8, 3, 1, 1, 4, 2, ob);
        p.output.max = p.output.max * 3 / 4;
        check_conv(p, seed++);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(padding_on_every_side_only_one_side_and_asymmetric_kernels) {
  mk::ConvParams p = conv(6, 7, 5, 6, 3, 1, 0, 8, 4, 8);
  p.kernel_h = 4;
  p.kernel_w = 2;
  p.pad_top = 3;
  p.pad_bottom = 0;
  p.pad_left = 0;
  p.pad_right = 1;
  check_conv(p, 9);
  p.pad_top = 0;
  p.pad_bottom = 2;
  p.pad_left = 1;
  p.pad_right = 0;
  p.stride_h = 3;
  check_conv(p, 10);
}

BOOST_AUTO_TEST_CASE(input_padding_is_real_zero_with_a_nonzero_zero_point) {
  // An input equal to its zero point everywhere is real zero: every output is the bias.
  mk::ConvParams p = conv(3, 3, 2, 1, 3, 1, 1, 8, 8, 8);
  p.input.zero_point = 200;
  std::vector<uint8_t> input(mk::activation_bytes(3, 3, 2, 8), 200);
  std::vector<uint8_t> weights(mk::conv_weight_bytes(1, 3, 3, 2, 8), 0x7F);
  int32_t bias = 640, folded = 0, mult = 1 << 30, shift = -5;  // 640 * 0.5 / 32 = 10
  BOOST_REQUIRE(mk::fold_input_zero_point(weights.data(), 1, 9, 2, 8, 200, &bias, &folded) == Status::ok);
  std::vector<uint8_t> out(9);
  BOOST_REQUIRE(mk::convolve_ref(p, input.data(), weights.data(), &folded, &mult, &shift, out.data()) == Status::ok);
  for (uint8_t v : out) BOOST_TEST(int(v) == 100 + 10);
}

BOOST_AUTO_TEST_CASE(bad_arguments_return_their_status_and_leave_the_output_alone) {
  const mk::ConvParams good = conv(4, 4, 3, 2, 3, 1, 1, 8, 8, 8);
  std::vector<uint8_t> in(64), w(64), out(32, 0xEE), scratch_v(4096);
  void* scratch = aligned4(scratch_v);
  int32_t bias[2] = {}, mult[2] = {1 << 30, 1 << 30}, shift[2] = {0, 0};
  auto run = [&](const mk::ConvParams& p, const int32_t* m = nullptr, const int32_t* s = nullptr) {
    const Status r = mk::convolve_ref(p, in.data(), w.data(), bias, m ? m : mult, s ? s : shift, out.data());
    const Status f = mk::convolve_fast(p, in.data(), w.data(), bias, m ? m : mult, s ? s : shift,
                                       scratch, 4000, out.data());
    BOOST_TEST(r == f);
    return r;
  };
  auto with = [&](auto change) { mk::ConvParams p = good; change(p); return run(p); };
  BOOST_TEST(mk::convolve_ref(good, nullptr, w.data(), bias, mult, shift, out.data()) == Status::null_pointer);
  BOOST_TEST(mk::convolve_fast(good, in.data(), nullptr, bias, mult, shift, scratch, 4000, out.data()) == Status::null_pointer);
  BOOST_TEST(mk::convolve_ref(good, in.data(), w.data(), bias, nullptr, shift, out.data()) == Status::null_pointer);
  BOOST_TEST(with([](auto& p) { p.input.bits = 3; }) == Status::bad_bits);
  BOOST_TEST(with([](auto& p) { p.weight_bits = 1; }) == Status::bad_bits);
  BOOST_TEST(with([](auto& p) { p.output.bits = 16; }) == Status::bad_bits);
  BOOST_TEST(with([](auto& p) { p.input.zero_point = 256; }) == Status::bad_zero_point);
  BOOST_TEST(with([](auto& p) { p.output.zero_point = -1; }) == Status::bad_zero_point);
  BOOST_TEST(with([](auto& p) { p.output.min = 9; p.output.max = 8; }) == Status::bad_clamp);
  BOOST_TEST(with([](auto& p) { p.output.bits = 4; p.output.zero_point = 0; }) == Status::bad_clamp);
  BOOST_TEST(with([](auto& p) { p.kernel_w = 0; }) == Status::bad_kernel);
  BOOST_TEST(with([](auto& p) { p.stride_h = 0; }) == Status::bad_stride);
  BOOST_TEST(with([](auto& p) { p.pad_left = 3; }) == Status::bad_padding);
  BOOST_TEST(with([](auto& p) { p.pad_bottom = -1; }) == Status::bad_padding);
  BOOST_TEST(with([](auto& p) { p.input_h = 0; }) == Status::bad_shape);
  BOOST_TEST(with([](auto& p) { p.input_c = 0; }) == Status::bad_shape);
  BOOST_TEST(with([](auto& p) { p.output_c = -2; }) == Status::bad_shape);
  BOOST_TEST(with([](auto& p) { p.pad_top = p.pad_bottom = 0; p.input_h = 2; }) == Status::bad_shape);
  BOOST_TEST(with([](auto& p) { p.input_c = 8000; p.kernel_h = p.kernel_w = 3; }) == Status::too_deep);
  int32_t bad_mult[2] = {1 << 30, -1}, bad_shift[2] = {0, 31};
  BOOST_TEST(run(good, bad_mult, shift) == Status::bad_multiplier);
  BOOST_TEST(run(good, mult, bad_shift) == Status::bad_multiplier);
  const int32_t need = mk::convolve_fast_get_buffer_size(good);
  BOOST_TEST(need > 0);
  BOOST_TEST(mk::convolve_fast(good, in.data(), w.data(), bias, mult, shift, scratch, need - 1, out.data()) == Status::bad_scratch);
  BOOST_TEST(mk::convolve_fast(good, in.data(), w.data(), bias, mult, shift, nullptr, need, out.data()) == Status::bad_scratch);
  BOOST_TEST(mk::convolve_fast(good, in.data(), w.data(), bias, mult, shift, static_cast<uint8_t*>(scratch) + 1, need, out.data()) == Status::bad_scratch);
  BOOST_TEST(std::all_of(out.begin(), out.end(), [](uint8_t v) { return v == 0xEE; }));
  BOOST_TEST(mk::convolve_fast_get_buffer_size(mk::ConvParams{}) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
