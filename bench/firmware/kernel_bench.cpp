// Kernel benchmark firmware: runs each fast kernel once per MobileNet-shaped layer and bit
// combination between bench_begin() and bench_end(), the markers the project's QEMU plugin
// (bench/qemu-icount) counts instructions between. For region i it prints
// "region i <layer> <bits> <MACs>"; icount_table.py joins that with the plugin's counts.
// Not a test: instruction counts are figures to read, never asserted.
#include <cstdio>
#include <cstring>

#include "libmpq/kernels/kernels.hpp"
#include "tests/kernels/cases/case_support.hpp"

extern "C" __attribute__((noinline, noipa)) void bench_begin() { __asm__ volatile("" ::: "memory"); }
extern "C" __attribute__((noinline, noipa)) void bench_end() { __asm__ volatile("" ::: "memory"); }

namespace {

namespace mk = mpq::kernels;
using mk::Status;

#ifndef MPQ_BENCH_ARENA_KB
#define MPQ_BENCH_ARENA_KB 1600
#endif
// Layers that do not fit (the 1 MB fully connected layer on small boards) are skipped.
alignas(8) uint8_t g_memory[MPQ_BENCH_ARENA_KB * 1024];
mk::testing::Arena g_arena(g_memory, sizeof g_memory);
mk::testing::CaseRng g_rng(2024);
int g_region = 0;
int g_errors = 0;

struct Bits {
  int32_t x, w, y;
};

uint8_t* random_block(int64_t bytes) {
  uint8_t* p = g_arena.take(bytes);
  if (p != nullptr) g_rng.fill(p, static_cast<int32_t>(bytes));
  return p;
}

// Per-channel parameters that keep outputs spread over the code range.
struct Channels {
  int32_t* bias;
  int32_t* multiplier;
  int32_t* shift;
};
// shift is null when the arena is exhausted.
Channels channels(int32_t n, int32_t shift) {
  Channels c{reinterpret_cast<int32_t*>(g_arena.take(4 * n)), reinterpret_cast<int32_t*>(g_arena.take(4 * n)),
             reinterpret_cast<int32_t*>(g_arena.take(4 * n))};
  if (c.bias == nullptr || c.multiplier == nullptr || c.shift == nullptr) return Channels{nullptr, nullptr, nullptr};
  for (int32_t i = 0; i < n; ++i) {
    c.bias[i] = g_rng.range(-1000, 1000);
    c.multiplier[i] = g_rng.range(1 << 30, INT32_MAX);
    c.shift[i] = shift;
  }
  return c;
}

// False (and a "skip" line) when the layer's buffers did not fit in the arena.
bool fits(const char* layer, Bits b, const void* a, const void* w, const void* out,
          const void* scratch, const Channels& c) {
  if (a != nullptr && w != nullptr && out != nullptr && scratch != nullptr && c.shift != nullptr) return true;
  std::printf("skip %s %ld/%ld/%ld: does not fit in %d kB\n", layer, static_cast<long>(b.x),
              static_cast<long>(b.w), static_cast<long>(b.y), MPQ_BENCH_ARENA_KB);
  return false;
}

void report(const char* layer, Bits b, int64_t macs, Status s) {
  if (s != Status::ok) {
    std::printf("error %s: %s\n", layer, mk::status_name(s));
    ++g_errors;
  }
  // newlib-nano's printf has no %lld; every layer here has fewer than 2^31 MACs.
  std::printf("region %d %s %ld/%ld/%ld %ld\n", g_region++, layer, static_cast<long>(b.x),
              static_cast<long>(b.w), static_cast<long>(b.y), static_cast<long>(macs));
}

void bench_conv(const char* layer, int32_t h, int32_t w, int32_t c_in, int32_t c_out, int32_t k,
                int32_t stride, int32_t pad_before, int32_t pad_after, Bits b) {
  g_arena.reset();
  mk::ConvParams p{};
  p.input_h = h;
  p.input_w = w;
  p.input_c = c_in;
  p.output_c = c_out;
  p.kernel_h = p.kernel_w = k;
  p.stride_h = p.stride_w = stride;
  p.pad_top = p.pad_left = pad_before;
  p.pad_bottom = p.pad_right = pad_after;
  p.input = {b.x, 0};
  p.weight_bits = b.w;
  p.output = mk::full_range_output(b.y, 0);
  const int32_t oh = mk::conv_output_size(h, k, stride, pad_before, pad_after);
  const int32_t ow = mk::conv_output_size(w, k, stride, pad_before, pad_after);
  uint8_t* in = random_block(mk::activation_bytes(h, w, c_in, b.x));
  uint8_t* wt = random_block(mk::conv_weight_bytes(c_out, k, k, c_in, b.w));
  uint8_t* out = g_arena.take(mk::activation_bytes(oh, ow, c_out, b.y));
  const int32_t scratch_bytes = mk::convolve_fast_get_buffer_size(p);
  uint8_t* scratch = g_arena.take(scratch_bytes);
  const Channels c = channels(c_out, -12);
  if (!fits(layer, b, in, wt, out, scratch, c)) return;
  bench_begin();
  const Status s = mk::convolve_fast(p, in, wt, c.bias, c.multiplier, c.shift, scratch, scratch_bytes, out);
  bench_end();
  report(layer, b, int64_t{oh} * ow * c_out * k * k * c_in, s);
}

void bench_pointwise(const char* layer, int32_t h, int32_t w, int32_t c_in, int32_t c_out, Bits b) {
  g_arena.reset();
  const mk::PointwiseParams p{h, w, c_in, c_out, {b.x, 0}, b.w, mk::full_range_output(b.y, 0)};
  uint8_t* in = random_block(mk::activation_bytes(h, w, c_in, b.x));
  uint8_t* wt = random_block(mk::conv_weight_bytes(c_out, 1, 1, c_in, b.w));
  uint8_t* out = g_arena.take(mk::activation_bytes(h, w, c_out, b.y));
  const int32_t scratch_bytes = mk::pointwise_convolve_fast_get_buffer_size(p);
  uint8_t* scratch = g_arena.take(scratch_bytes);
  const Channels c = channels(c_out, -12);
  if (!fits(layer, b, in, wt, out, scratch, c)) return;
  bench_begin();
  const Status s = mk::pointwise_convolve_fast(p, in, wt, c.bias, c.multiplier, c.shift, scratch, scratch_bytes, out);
  bench_end();
  report(layer, b, int64_t{h} * w * c_out * c_in, s);
}

void bench_depthwise(const char* layer, int32_t h, int32_t w, int32_t ch, int32_t stride,
                     int32_t pad_before, int32_t pad_after, Bits b) {
  g_arena.reset();
  mk::DepthwiseParams p{};
  p.input_h = h;
  p.input_w = w;
  p.channels = ch;
  p.kernel_h = p.kernel_w = 3;
  p.stride_h = p.stride_w = stride;
  p.pad_top = p.pad_left = pad_before;
  p.pad_bottom = p.pad_right = pad_after;
  p.input = {b.x, 0};
  p.weight_bits = b.w;
  p.output = mk::full_range_output(b.y, 0);
  const int32_t oh = mk::conv_output_size(h, 3, stride, pad_before, pad_after);
  const int32_t ow = mk::conv_output_size(w, 3, stride, pad_before, pad_after);
  uint8_t* in = random_block(mk::activation_bytes(h, w, ch, b.x));
  uint8_t* wt = random_block(mk::depthwise_weight_bytes(3, 3, ch, b.w));
  uint8_t* out = g_arena.take(mk::activation_bytes(oh, ow, ch, b.y));
  const int32_t scratch_bytes = mk::depthwise_convolve_fast_get_buffer_size(p);
  uint8_t* scratch = g_arena.take(scratch_bytes);
  const Channels c = channels(ch, -8);
  if (!fits(layer, b, in, wt, out, scratch, c)) return;
  bench_begin();
  const Status s = mk::depthwise_convolve_fast(p, in, wt, c.bias, c.multiplier, c.shift, scratch, scratch_bytes, out);
  bench_end();
  report(layer, b, int64_t{oh} * ow * ch * 9, s);
}

void bench_fully_connected(const char* layer, int32_t c_in, int32_t c_out, Bits b) {
  g_arena.reset();
  const mk::FullyConnectedParams p{c_in, c_out, {b.x, 0}, b.w, mk::full_range_output(b.y, 0)};
  uint8_t* in = random_block(mk::packed_row_bytes(c_in, b.x));
  uint8_t* wt = random_block(mk::fully_connected_weight_bytes(c_out, c_in, b.w));
  uint8_t* out = g_arena.take(mk::packed_row_bytes(c_out, b.y));
  const int32_t scratch_bytes = mk::fully_connected_fast_get_buffer_size(p);
  uint8_t* scratch = g_arena.take(scratch_bytes);
  const Channels c = channels(c_out, -12);
  if (!fits(layer, b, in, wt, out, scratch, c)) return;
  bench_begin();
  const Status s = mk::fully_connected_fast(p, in, wt, c.bias, c.multiplier, c.shift, scratch, scratch_bytes, out);
  bench_end();
  report(layer, b, int64_t{c_in} * c_out, s);
}

}  // namespace

int main() {
  bench_begin();  // region 0: the marker overhead
  bench_end();
  std::printf("region %d marker-overhead -/-/- 0\n", g_region++);
  const Bits combos[] = {{8, 8, 8}, {8, 4, 8}, {4, 4, 4}, {4, 2, 4}, {2, 2, 2}};
  for (const Bits b : combos) {
    bench_pointwise("pointwise-32x32x64-64", 32, 32, 64, 64, b);
    bench_pointwise("pointwise-16x16x64-64", 16, 16, 64, 64, b);
    bench_pointwise("pointwise-8x8x128-128", 8, 8, 128, 128, b);
    bench_conv("conv3x3-16x16x32-32", 16, 16, 32, 32, 3, 1, 1, 1, b);
    bench_conv("conv3x3-32x32x3-16-s2", 32, 32, 3, 16, 3, 2, 0, 1, b);
    bench_depthwise("depthwise3x3-32x32x64-s1", 32, 32, 64, 1, 1, 1, b);
    bench_depthwise("depthwise3x3-32x32x64-s2", 32, 32, 64, 2, 0, 1, b);
    bench_depthwise("depthwise3x3-16x16x64-s1", 16, 16, 64, 1, 1, 1, b);
    bench_depthwise("depthwise3x3-16x16x64-s2", 16, 16, 64, 2, 0, 1, b);
    bench_fully_connected("fc-256-10", 256, 10, b);
    bench_fully_connected("fc-1024-1000", 1024, 1000, b);
  }
  return g_errors == 0 ? 0 : 1;
}
