#include <boost/test/unit_test.hpp>
#include <vector>

#include "libmpq/kernels/convolve.hpp"
#include "libmpq/kernels/depthwise_convolve.hpp"
#include "libmpq/kernels/fold_input_zero_point.hpp"
#include "libmpq/kernels/packing.hpp"
#include "tests/kernels/oracle.hpp"
#include "tests/kernels/test_helpers.hpp"

namespace mk = mpq::kernels;
using mk::Status;

namespace {

mk::DepthwiseParams dw(int32_t h, int32_t w, int32_t c, int32_t k, int32_t stride, int32_t pad,
                       int32_t xb, int32_t wb, int32_t ob) {
  mk::DepthwiseParams p{};
  p.input_h = h;
  p.input_w = w;
  p.channels = c;
  p.kernel_h = p.kernel_w = k;
  p.stride_h = p.stride_w = stride;
  p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = pad;
  p.input = {xb, (1 << xb) / 3};
  p.weight_bits = wb;
  p.output = mk::full_range_output(ob, (1 << ob) / 2);
  return p;
}

// Reference vs the oracle (unfolded bias, padding skipped as real zero), fast vs reference.
void check_dw(const mk::DepthwiseParams& p, uint64_t seed) {
  mk::testing::CaseRng rng(seed);
  const int32_t out_h = mk::conv_output_size(p.input_h, p.kernel_h, p.stride_h, p.pad_top, p.pad_bottom);
  const int32_t out_w = mk::conv_output_size(p.input_w, p.kernel_w, p.stride_w, p.pad_left, p.pad_right);
  BOOST_REQUIRE(out_h > 0 && out_w > 0);
  const int32_t taps = p.kernel_h * p.kernel_w;
  auto input = random_vector(rng, mk::activation_bytes(p.input_h, p.input_w, p.channels, p.input.bits));
  auto weights = random_vector(rng, mk::depthwise_weight_bytes(p.kernel_h, p.kernel_w, p.channels, p.weight_bits));
  std::vector<int32_t> bias(p.channels), folded(p.channels), mult(p.channels), shift(p.channels);
  for (int32_t c = 0; c < p.channels; ++c) {
    bias[c] = rng.range(-2000, 2000);
    mult[c] = rng.range(1 << 30, INT32_MAX);
    shift[c] = p.output.bits - (p.input.bits + p.weight_bits - 2 + ceil_log2_host(taps) / 2) + rng.range(-1, 1);
  }
  BOOST_REQUIRE(mk::fold_input_zero_point_depthwise(weights.data(), taps, p.channels, p.weight_bits,
                                                    p.input.zero_point, bias.data(), folded.data()) == Status::ok);
  const int32_t out_bytes = mk::activation_bytes(out_h, out_w, p.channels, p.output.bits);
  std::vector<uint8_t> ref(out_bytes, 0xA5), fast(out_bytes, 0x5A);
  BOOST_REQUIRE(mk::depthwise_convolve_ref(p, input.data(), weights.data(), folded.data(), mult.data(),
                                           shift.data(), ref.data()) == Status::ok);
  const int32_t need = mk::depthwise_convolve_fast_get_buffer_size(p);
  std::vector<uint8_t> scratch(need + 4);
  BOOST_REQUIRE(mk::depthwise_convolve_fast(p, input.data(), weights.data(), folded.data(), mult.data(),
                                            shift.data(), aligned4(scratch), need, fast.data()) == Status::ok);
  BOOST_TEST(ref == fast, boost::test_tools::per_element());
  // A layer that goes in chunks with the least scratch: given the one-chunk scratch it
  // expands all channels once (the planner's kOpFlagOneChunk), given a little less it
  // still goes in chunks; the same output either way.
  const int32_t one_chunk = mk::depthwise_convolve_fast_get_one_chunk_buffer_size(p);
  BOOST_TEST(one_chunk >= need);
  if (one_chunk > need) {
    for (const int32_t bytes : {one_chunk, one_chunk - 4}) {
      std::vector<uint8_t> big(one_chunk + 4), again(out_bytes, 0x3C);
      BOOST_REQUIRE(mk::depthwise_convolve_fast(p, input.data(), weights.data(), folded.data(), mult.data(),
                                                shift.data(), aligned4(big), bytes, again.data()) == Status::ok);
      BOOST_TEST(ref == again, boost::test_tools::per_element());
    }
  }

  const int64_t in_px = mk::oracle::row_bytes(p.channels, p.input.bits);
  const int64_t out_px = mk::oracle::row_bytes(p.channels, p.output.bits);
  const int64_t w_tap = mk::oracle::row_bytes(p.channels, p.weight_bits);
  int32_t mismatches = 0;
  for (int32_t oy = 0; oy < out_h; ++oy) {
    for (int32_t ox = 0; ox < out_w; ++ox) {
      for (int32_t c = 0; c < p.channels; ++c) {
        int64_t acc = bias[c];
        for (int32_t ky = 0; ky < p.kernel_h; ++ky) {
          for (int32_t kx = 0; kx < p.kernel_w; ++kx) {
            const int32_t iy = oy * p.stride_h - p.pad_top + ky, ix = ox * p.stride_w - p.pad_left + kx;
            if (iy < 0 || iy >= p.input_h || ix < 0 || ix >= p.input_w) continue;
            const int32_t x = mk::oracle::unsigned_at(input.data() + (int64_t{iy} * p.input_w + ix) * in_px, c, p.input.bits);
            acc += int64_t{mk::oracle::weight_at(weights.data() + (ky * p.kernel_w + kx) * w_tap, c, p.weight_bits)} *
                   (x - p.input.zero_point);
          }
        }
        const int32_t want = mk::oracle::to_code(mk::oracle::wrap(acc), mult[c], shift[c], p.output.zero_point,
                                                 p.output.min, p.output.max);
        const int32_t got = mk::oracle::unsigned_at(ref.data() + (int64_t{oy} * out_w + ox) * out_px, c, p.output.bits);
        if (want != got && mismatches++ < 5) BOOST_ERROR("(" << oy << "," << ox << ") c" << c << ": " << got << " != " << want);
      }
    }
  }
  BOOST_TEST(mismatches == 0);
  BOOST_TEST(padding_bits_are_zero(ref, int64_t{out_h} * out_w, p.channels, p.output.bits));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(depthwise_convolve)

BOOST_AUTO_TEST_CASE(reference_matches_oracle_for_every_bit_combination) {
  int32_t i = 0;
  for (int32_t xb : {8, 4, 2}) {
    for (int32_t wb : {8, 4, 2}) {
      for (int32_t ob : {8, 4, 2}) {
        BOOST_TEST_CONTEXT("bits " << xb << "/" << wb << "/" << ob) {
          check_dw(dw(6, 7, 19, 3, 1, 1, xb, wb, ob), 2000 + i++);
          check_dw(dw(7, 5, 33, 3, 2, 1, xb, wb, ob), 2000 + i++);
        }
      }
    }
  }
}

// 3x3 layers whose output has the input's width: full-range outputs take the USAT clamp,
// clipped ones (ReLU6-style) the compare clamp; whole and partial blocks of channels.
BOOST_AUTO_TEST_CASE(full_range_and_clipped_outputs) {
  int32_t i = 0;
  for (int32_t xb : {8, 4, 2}) {
    for (int32_t wb : {8, 4, 2}) {
      for (int32_t c : {16, 32, 20}) {
        for (bool clip : {false, true}) {
          BOOST_TEST_CONTEXT("bits " << xb << "/" << wb << "/" << xb << " c" << c << " clip " << clip) {
            mk::DepthwiseParams p = dw(7, 6, c, 3, 1 + i % 2, 1, xb, wb, xb);
            if (clip) p.output.max = p.output.max * 3 / 4;
            check_dw(p, 2500 + i++);
          }
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(edge_shapes) {
  check_dw(dw(5, 5, 1, 3, 1, 1, 8, 8, 8), 1);     // one channel
  check_dw(dw(1, 1, 7, 3, 1, 1, 4, 4, 4), 2);     // one pixel, all but the centre tap padding
  check_dw(dw(9, 7, 17, 3, 2, 0, 2, 2, 2), 3);    // stride 2, odd sizes, no padding
  check_dw(dw(4, 4, 48, 5, 1, 2, 8, 4, 2), 4);    // 5x5, padding 2
  check_dw(dw(3, 8, 9, 1, 1, 0, 2, 8, 8), 5);     // 1x1 kernel
  mk::DepthwiseParams p = dw(6, 6, 5, 3, 1, 0, 8, 8, 4);
  p.pad_top = 2;
  p.pad_right = 1;
  p.stride_w = 3;
  check_dw(p, 6);
}

// Layers whose fast kernel goes in chunks of channels (many channels: expanded per output
// row, chunk by chunk, into a row buffer): fast == reference == oracle at every width in,
// out and of the weights, kernels 3 and 5, strides 1 and 2, borders on every side, a
// partial last block (250 channels) or none (256).
BOOST_AUTO_TEST_CASE(chunked_layers_match_the_reference) {
  int32_t i = 0;
  for (int32_t xb : {8, 4, 2}) {
    for (int32_t wb : {8, 4, 2}) {
      for (int32_t ob : {8, 4, 2}) {
        for (int32_t k : {3, 5}) {
          for (int32_t stride : {1, 2}) {
            const int32_t c = i % 2 == 0 ? 250 : 256;
            const mk::DepthwiseParams p = dw(6, 7, c, k, stride, k / 2, xb, wb, ob);
            const int32_t blocks = (mk::packed_row_bytes(c, xb) + 3) / 4;
            BOOST_TEST_CONTEXT("bits " << xb << "/" << wb << "/" << ob << " k" << k << " s" << stride << " c" << c) {
              BOOST_REQUIRE(mk::depthwise_convolve_fast_chunk_blocks(p) < blocks);
              check_dw(p, 3000 + i++);
            }
          }
        }
      }
    }
  }
}

// Chunk edges: a last chunk holding only a partial block of one channel, clipped outputs
// (the compare clamp), uneven padding and strides.
BOOST_AUTO_TEST_CASE(chunked_layers_edge_shapes) {
  int32_t i = 0;
  for (int32_t xb : {8, 4, 2}) {
    for (int32_t k : {3, 5}) {
      // Chunks do not depend on the channel count: two chunks and one more channel.
      const int32_t n = mk::depthwise_convolve_fast_chunk_blocks(dw(3, 3, 2000, k, 1, 1, xb, 4, xb));
      const int32_t c = 2 * n * (32 / xb) + 1;
      const int32_t wb = i % 3 == 0 ? 8 : (i % 3 == 1 ? 4 : 2);
      mk::DepthwiseParams p = dw(5, 4, c, k, 1, k / 2, xb, wb, xb);
      BOOST_TEST_CONTEXT("bits " << xb << " k" << k << " c" << c) {
        BOOST_REQUIRE(mk::depthwise_convolve_fast_chunk_blocks(p) == n);
        check_dw(p, 4000 + i++);
        p.output.max = p.output.max * 3 / 4;  // clipped
        p.pad_top = 0;
        p.pad_right = k - 1;
        p.stride_w = 2;
        check_dw(p, 4000 + i++);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(bad_arguments_return_their_status) {
  const mk::DepthwiseParams good = dw(4, 4, 8, 3, 1, 1, 8, 8, 8);
  std::vector<uint8_t> in(256), w(256), out(256), scratch_v(8192);
  void* scratch = aligned4(scratch_v);
  int32_t mult[8], shift[8] = {};
  for (auto& m : mult) m = 1 << 30;
  auto run = [&](const mk::DepthwiseParams& p) {
    const Status r = mk::depthwise_convolve_ref(p, in.data(), w.data(), nullptr, mult, shift, out.data());
    BOOST_TEST(r == mk::depthwise_convolve_fast(p, in.data(), w.data(), nullptr, mult, shift, scratch, 8000, out.data()));
    return r;
  };
  auto with = [&](auto change) { mk::DepthwiseParams p = good; change(p); return run(p); };
  BOOST_TEST(run(good) == Status::ok);
  BOOST_TEST(with([](auto& p) { p.weight_bits = 5; }) == Status::bad_bits);
  BOOST_TEST(with([](auto& p) { p.input.zero_point = 300; }) == Status::bad_zero_point);
  BOOST_TEST(with([](auto& p) { p.output.max = 256; }) == Status::bad_clamp);
  BOOST_TEST(with([](auto& p) { p.kernel_h = 0; }) == Status::bad_kernel);
  BOOST_TEST(with([](auto& p) { p.stride_w = -1; }) == Status::bad_stride);
  BOOST_TEST(with([](auto& p) { p.pad_top = 3; }) == Status::bad_padding);
  BOOST_TEST(with([](auto& p) { p.channels = 0; }) == Status::bad_shape);
  BOOST_TEST(with([](auto& p) { p.kernel_h = p.kernel_w = 300; p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = 0; p.input_h = p.input_w = 300; }) == Status::too_deep);
  shift[3] = -32;
  BOOST_TEST(run(good) == Status::bad_multiplier);
  shift[3] = 0;
  BOOST_TEST(mk::depthwise_convolve_ref(good, in.data(), nullptr, nullptr, mult, shift, out.data()) == Status::null_pointer);
  const int32_t need = mk::depthwise_convolve_fast_get_buffer_size(good);
  BOOST_TEST(mk::depthwise_convolve_fast(good, in.data(), w.data(), nullptr, mult, shift, scratch, need - 1, out.data()) == Status::bad_scratch);
  BOOST_TEST(mk::depthwise_convolve_fast(good, in.data(), w.data(), nullptr, mult, shift, scratch, need, out.data()) == Status::ok);
}

BOOST_AUTO_TEST_SUITE_END()
