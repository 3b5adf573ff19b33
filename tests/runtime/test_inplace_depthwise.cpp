// In-place depthwise convolution (libmpq/runtime/inplace_pairs.hpp): the lag against a
// byte-level simulation of the kernels' order of writes and reads, and both depthwise
// kernels run with output = input - lag bit for bit as with separate buffers; whole blobs
// with depthwise ops flagged in place load with the memory model's arena and run as their
// separate-buffer twins; load_model refuses a flag that does not match the placement or
// sits on an op that may not run in place.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <random>
#include <vector>

#include "libmpq/kernels/convolve.hpp"
#include "libmpq/kernels/depthwise_convolve.hpp"
#include "libmpq/kernels/packing.hpp"
#include "libmpq/mcu/memory_model.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/quant/op_records.hpp"
#include "libmpq/runtime/inplace_pairs.hpp"
#include "mcu/mcu_fixtures.hpp"
#include "runtime/runtime_fixtures.hpp"

using mpq::rt::inplace_depthwise_lag;
using mpq::rt::OpRecord;
using mpq::rt::RecordWindow;
namespace k = mpq::kernels;

namespace {

struct Shape {
  k::DepthwiseParams p;
  OpRecord record;
  int32_t out_h = 0, out_w = 0;
};

Shape make_shape(int32_t h, int32_t w, int32_t c, int32_t kernel, int32_t stride_h, int32_t stride_w,
                 const int32_t pads[4], int32_t in_bits, int32_t out_bits, int32_t weight_bits) {
  Shape s;
  s.p = k::DepthwiseParams{h, w, c, kernel, kernel, stride_h, stride_w, pads[0], pads[1], pads[2], pads[3],
                           k::ActivationFormat{in_bits, 0}, weight_bits,
                           k::OutputFormat{out_bits, 0, 0, (1 << out_bits) - 1}};
  s.out_h = k::conv_output_size(h, kernel, stride_h, pads[0], pads[1]);
  s.out_w = k::conv_output_size(w, kernel, stride_w, pads[2], pads[3]);
  OpRecord& r = s.record;
  r.kind = mpq::blob::op_kind::depthwise;
  r.input_bits = static_cast<uint8_t>(in_bits);
  r.output_bits = static_cast<uint8_t>(out_bits);
  r.weight_bits = static_cast<uint8_t>(weight_bits);
  r.in_h = static_cast<uint16_t>(h);
  r.in_w = static_cast<uint16_t>(w);
  r.in_c = r.out_c = static_cast<uint16_t>(c);
  r.out_h = static_cast<uint16_t>(s.out_h);
  r.out_w = static_cast<uint16_t>(s.out_w);
  RecordWindow window;
  window.kernel_h = window.kernel_w = kernel;
  window.stride_h = stride_h;
  window.stride_w = stride_w;
  window.pad_top = pads[0];
  window.pad_bottom = pads[1];
  window.pad_left = pads[2];
  window.pad_right = pads[3];
  mpq::rt::set_record_window(r, window);
  return s;
}

// The kernels' contract, byte by byte: output pixels in raster order, each first written
// (the reference kernel clears it) and then its taps read, every byte of every tap pixel.
// True when no read byte has been overwritten by then.
bool simulation_allows(const Shape& s, int64_t lag) {
  const k::DepthwiseParams& p = s.p;
  const int64_t in_pixel = k::packed_row_bytes(p.channels, p.input.bits);
  const int64_t out_pixel = k::packed_row_bytes(p.channels, p.output.bits);
  const int64_t in_bytes = in_pixel * p.input_h * p.input_w;
  std::vector<char> overwritten(static_cast<size_t>(in_bytes), 0);
  for (int32_t oy = 0; oy < s.out_h; ++oy) {
    for (int32_t ox = 0; ox < s.out_w; ++ox) {
      const int64_t begin = -lag + (static_cast<int64_t>(oy) * s.out_w + ox) * out_pixel;
      for (int64_t b = std::max<int64_t>(begin, 0); b < std::min(begin + out_pixel, in_bytes); ++b)
        overwritten[static_cast<size_t>(b)] = 1;
      for (int32_t ky = 0; ky < p.kernel_h; ++ky) {
        for (int32_t kx = 0; kx < p.kernel_w; ++kx) {
          const int32_t iy = oy * p.stride_h - p.pad_top + ky, ix = ox * p.stride_w - p.pad_left + kx;
          if (iy < 0 || iy >= p.input_h || ix < 0 || ix >= p.input_w) continue;
          const int64_t at = (static_cast<int64_t>(iy) * p.input_w + ix) * in_pixel;
          for (int64_t b = at; b < at + in_pixel; ++b)
            if (overwritten[static_cast<size_t>(b)]) return false;
        }
      }
    }
  }
  return true;
}

int32_t pick(std::mt19937& rng, std::initializer_list<int32_t> values) {
  std::vector<int32_t> v(values);
  return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)];
}

int32_t uniform(std::mt19937& rng, int32_t lo, int32_t hi) { return std::uniform_int_distribution<int32_t>(lo, hi)(rng); }

// A random valid shape (kernel 3 or 5, strides 1/2, any pads below the kernel, every
// width in and out, min_c to max_c channels).
Shape random_shape(std::mt19937& rng, int32_t min_c = 1, int32_t max_c = 21) {
  for (;;) {
    const int32_t kernel = pick(rng, {3, 5});
    int32_t pads[4];
    for (int32_t& pad : pads) pad = uniform(rng, 0, kernel - 1);
    const Shape s = make_shape(uniform(rng, 1, 13), uniform(rng, 1, 13), uniform(rng, min_c, max_c), kernel,
                               pick(rng, {1, 2}), pick(rng, {1, 2}), pads, pick(rng, {2, 4, 8}),
                               pick(rng, {2, 4, 8}), pick(rng, {2, 4, 8}));
    if (k::depthwise_convolve_check(s.p) == k::Status::ok) return s;
  }
}

struct Run {
  std::vector<uint8_t> weights;
  std::vector<int32_t> bias, multiplier, shift;
};

Run random_run(std::mt19937& rng, const k::DepthwiseParams& p) {
  Run run;
  run.weights.resize(static_cast<size_t>(k::depthwise_weight_bytes(p.kernel_h, p.kernel_w, p.channels, p.weight_bits)));
  for (uint8_t& b : run.weights) b = static_cast<uint8_t>(uniform(rng, 0, 255));
  for (int32_t c = 0; c < p.channels; ++c) {
    run.bias.push_back(uniform(rng, -2000, 2000));
    run.multiplier.push_back(uniform(rng, 1 << 29, (1 << 30) + (1 << 29)));
    run.shift.push_back(uniform(rng, -12, -4));
  }
  return run;
}

// The op's output computed from a separate input (reference kernel when `fast` is false),
// and then again over its own input: out = buffer, input at buffer + lag.
void check_in_place_run(const Shape& s, const Run& run, const std::vector<uint8_t>& input, uint32_t lag, bool fast) {
  const k::DepthwiseParams& p = s.p;
  const size_t out_bytes = static_cast<size_t>(k::activation_bytes(s.out_h, s.out_w, p.channels, p.output.bits));
  std::vector<int32_t> scratch(static_cast<size_t>(k::depthwise_convolve_fast_get_buffer_size(p) + 3) / 4 + 1);
  const int32_t scratch_bytes = static_cast<int32_t>(scratch.size() * 4);
  auto call = [&](const uint8_t* in, uint8_t* out) {
    return fast ? k::depthwise_convolve_fast(p, in, run.weights.data(), run.bias.data(), run.multiplier.data(),
                                             run.shift.data(), scratch.data(), scratch_bytes, out)
                : k::depthwise_convolve_ref(p, in, run.weights.data(), run.bias.data(), run.multiplier.data(),
                                            run.shift.data(), out);
  };
  std::vector<uint8_t> separate(out_bytes);
  BOOST_REQUIRE(call(input.data(), separate.data()) == k::Status::ok);
  // Words, so that both sit 4-byte aligned as in the arena (lag is aligned by the caller).
  const size_t extent = std::max(lag + input.size(), out_bytes);
  std::vector<uint32_t> words(extent / 4 + 2, 0xA5A5A5A5u);
  uint8_t* base = reinterpret_cast<uint8_t*>(words.data());
  std::copy(input.begin(), input.end(), base + lag);
  BOOST_REQUIRE(call(base + lag, base) == k::Status::ok);
  BOOST_TEST(std::equal(separate.begin(), separate.end(), base),
             (fast ? "fast" : "reference") << " kernel in place: " << s.out_h << "x" << s.out_w << "x" << p.channels
                                           << " from " << p.input_h << "x" << p.input_w << " k" << p.kernel_h << " s"
                                           << p.stride_h << "/" << p.stride_w << " bits " << p.input.bits << "->"
                                           << p.output.bits << " lag " << lag);
}

mpq::QuantGraph builder_graph(const char* arch) {
  mpq::ModelSpec spec;  // width 0.25, 1x32x32, 10 classes
  spec.arch = arch;
  return mpq::build_quant_graph(mpq::build_model(spec, 1));
}

// The blob of (graph, policy, patch) with every eligible depthwise op in place: its arena
// is plan_model_arena's for it, each pair's input sits align(lag) after its output, and it
// computes what the separate-buffer blob of the same seed computes, with both kernel
// variants. The blob mpq memory describes (the pairs that lower RAM) loads with its RAM,
// which is at most the separate one. Returns how many ops run in place in the first.
int check_in_place_blob(const mpq::QuantGraph& graph, const mpq::Policy& policy, mpq::rt::PatchStage patch,
                        uint64_t seed, const std::string& what) {
  using mpq::rt::Status;
  using mpq::InplaceDepthwise;
  const std::vector<mpq::rt::OpRecord> records = mpq::op_records(graph, policy);
  const mpq::ModelArena every = mpq::plan_model_arena(records, patch, InplaceDepthwise::every);
  const std::vector<uint8_t> separate = mpq::test::random_valid_blob(graph, policy, seed, patch, InplaceDepthwise::off);
  const std::vector<uint8_t> in_place = mpq::test::random_valid_blob(graph, policy, seed, patch, InplaceDepthwise::every);
  BOOST_TEST(in_place.size() == separate.size(), what);
  const mpq::test::LoadResult a = mpq::test::load_any_stage(separate);
  const mpq::test::LoadResult b = mpq::test::load_any_stage(in_place);
  BOOST_REQUIRE_MESSAGE(a.status == Status::ok && b.status == Status::ok,
                        what << ": load " << a.status << " / in place " << b.status << " (op " << b.error.op
                             << ", buffer " << b.error.buffer << ")");
  BOOST_TEST(b.model.arena_bytes == every.arena_bytes, what << ": loaded arena vs the memory model's");
  // A streamed input runs through another entry point (test_streamed_input.cpp): its
  // blobs are checked for their arena only.
  for (int i = 0; i < (patch.stream_input ? 0 : 2); ++i) {
    const std::vector<uint8_t> image = mpq::test::random_image(graph, seed * 10 + static_cast<uint64_t>(i));
    for (mpq::rt::KernelVariant v : {mpq::rt::KernelVariant::fast, mpq::rt::KernelVariant::reference}) {
      BOOST_TEST(mpq::test::run(b.model, image, v) == mpq::test::run(a.model, image, v),
                 what << " image " << i << (v == mpq::rt::KernelVariant::fast ? " fast" : " reference")
                      << ": in place differs from separate buffers");
    }
  }
  for (uint16_t i : every.inplace_ops) {
    const mpq::rt::ArenaBuffer& in = every.buffers[records[i].input_buffer];
    const mpq::rt::ArenaBuffer& out = every.buffers[records[i].output_buffer];
    const uint32_t lag = (static_cast<uint32_t>(inplace_depthwise_lag(records[i])) + 3u) & ~3u;
    BOOST_TEST(in.offset == out.offset + lag, what << ": op " << i);
    BOOST_TEST(in.size + lag > 0u, what);
  }
  const mpq::MemoryReport best = mpq::memory_report(records, patch, mpq::InplaceKinds::depthwise);
  const std::vector<uint8_t> chosen = mpq::test::random_valid_blob(graph, policy, seed, patch, InplaceDepthwise::best);
  const mpq::test::LoadResult c = mpq::test::load_any_stage(chosen);
  BOOST_REQUIRE_MESSAGE(c.status == Status::ok, what << ": best pairs: " << c.status);
  BOOST_TEST(c.model.arena_bytes == best.ram_bytes, what << ": loaded arena vs mpq memory's RAM");
  BOOST_TEST(best.ram_bytes <= a.model.arena_bytes, what << ": in place costs RAM");
  return static_cast<int>(every.inplace_ops.size());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(inplace_depthwise_suite)

BOOST_AUTO_TEST_CASE(lag_is_the_smallest_the_byte_simulation_allows) {
  std::mt19937 rng(17);
  for (int trial = 0; trial < 600; ++trial) {
    const Shape s = random_shape(rng);
    const int32_t lag = inplace_depthwise_lag(s.record);
    BOOST_REQUIRE(lag >= 0);
    BOOST_TEST(simulation_allows(s, lag), "trial " << trial << " lag " << lag);
    if (lag > 0) BOOST_TEST(!simulation_allows(s, lag - 1), "trial " << trial << ": lag " << lag << " is not the least");
  }
}

BOOST_AUTO_TEST_CASE(lag_of_a_hand_computed_case) {
  const int32_t pads[4] = {1, 1, 1, 1};
  // 3x3, stride 1, pad 1, 4x4x4 at 8 bits: 4-byte pixels. Pixel (y, x) reads from input
  // row y - 1, column x - 1 (clamped to 0) and writes up to byte (4y + x + 1) * 4: from row
  // 1 on, pixel (y, 3) has written 6 pixels more than the first it still reads, (y-1, 2):
  // lag 24 (row 0 only 16: its pixels and row 1's all read from byte 0).
  BOOST_TEST(inplace_depthwise_lag(make_shape(4, 4, 4, 3, 1, 1, pads, 8, 8, 8).record) == 24);
  // Stride 2, pad 1, 8x8x4 at 8 bits: out 4x4. Pixel (0, x) reads from input column
  // 2x - 1 (clamped), bytes 0, 4, 12, 20, against 4, 8, 12, 16 written: lag 4. Row 1 on
  // reads from input row 2y - 1, far ahead of what it writes.
  BOOST_TEST(inplace_depthwise_lag(make_shape(8, 8, 4, 3, 2, 2, pads, 8, 8, 8).record) == 4);
  // Output wider than input (2 -> 8 bits) costs more lag: 4x4x8, stride 1, pad 1: 2-byte
  // input pixels, 8-byte output pixels. Pixel (y, 3) writes up to (4y + 4) * 8 while row
  // y + 1 reads from input row y: (4y) * 2. Worst at the last row's last pixel (whose own
  // window starts at row 2, column 2: byte (8 + 2) * 2 = 20): 128 - 20 = 108.
  BOOST_TEST(inplace_depthwise_lag(make_shape(4, 4, 8, 3, 1, 1, pads, 2, 8, 8).record) == 108);
  OpRecord conv = make_shape(4, 4, 4, 3, 1, 1, pads, 8, 8, 8).record;
  conv.kind = mpq::blob::op_kind::conv;
  BOOST_TEST(inplace_depthwise_lag(conv) == -1);
}

BOOST_AUTO_TEST_CASE(kernels_run_in_place_bit_exact) {
  std::mt19937 rng(1717);
  for (int trial = 0; trial < 400; ++trial) {
    const Shape s = random_shape(rng);
    const Run run = random_run(rng, s.p);
    std::vector<uint8_t> input(
        static_cast<size_t>(k::activation_bytes(s.p.input_h, s.p.input_w, s.p.channels, s.p.input.bits)));
    for (uint8_t& b : input) b = static_cast<uint8_t>(uniform(rng, 0, 255));
    const uint32_t lag = (static_cast<uint32_t>(inplace_depthwise_lag(s.record)) + 3u) & ~3u;
    check_in_place_run(s, run, input, lag, false);
    check_in_place_run(s, run, input, lag, true);
  }
}

// Layers of many channels, whose fast kernel expands one chunk of channels at a time per
// output row into a row buffer and copies each finished row out: the lag (the reference
// kernel's, pixel by pixel) is still the least the simulation allows and serves both
// kernels, since the fast one writes each row after all of the row's reads.
BOOST_AUTO_TEST_CASE(chunked_fast_kernel_runs_in_place_with_the_same_lag) {
  std::mt19937 rng(1718);
  int chunked = 0;
  for (int trial = 0; trial < 150; ++trial) {
    const Shape s = random_shape(rng, 100, 400);
    const int32_t blocks = (k::packed_row_bytes(s.p.channels, s.p.input.bits) + 3) / 4;
    if (k::depthwise_convolve_fast_chunk_blocks(s.p) >= blocks) continue;
    ++chunked;
    const int32_t least = inplace_depthwise_lag(s.record);
    BOOST_REQUIRE(least >= 0);
    BOOST_TEST(simulation_allows(s, least), "trial " << trial << " lag " << least);
    if (least > 0) BOOST_TEST(!simulation_allows(s, least - 1), "trial " << trial << ": lag " << least << " is not the least");
    const Run run = random_run(rng, s.p);
    std::vector<uint8_t> input(
        static_cast<size_t>(k::activation_bytes(s.p.input_h, s.p.input_w, s.p.channels, s.p.input.bits)));
    for (uint8_t& b : input) b = static_cast<uint8_t>(uniform(rng, 0, 255));
    const uint32_t lag = (static_cast<uint32_t>(least) + 3u) & ~3u;
    check_in_place_run(s, run, input, lag, false);
    check_in_place_run(s, run, input, lag, true);
  }
  BOOST_TEST(chunked >= 50);  // most of these shapes take chunks
}

BOOST_AUTO_TEST_CASE(builders_run_in_place_as_with_separate_buffers_at_every_uniform_policy) {
  for (const char* arch : {"mobilenet_v1", "mobilenet_v2", "mnasnet"}) {
    const mpq::QuantGraph graph = builder_graph(arch);
    for (int w : {8, 4, 2})
      for (int a : {8, 4, 2}) {
        const std::string what = std::string(arch) + " w" + std::to_string(w) + "a" + std::to_string(a);
        const int pairs = check_in_place_blob(graph, mpq::uniform_policy(graph, w, a), {}, 7, what);
        BOOST_TEST(pairs > 0, what << ": no depthwise op ran in place");
      }
    for (const mpq::test::NamedPolicy& p : mpq::test::test_policies(graph))
      if (std::string(p.label) == "mixed") check_in_place_blob(graph, p.policy, {}, 8, std::string(arch) + " mixed");
  }
}

BOOST_AUTO_TEST_CASE(small_graphs_and_patch_stages_run_in_place_as_with_separate_buffers) {
  uint64_t seed = 30;
  for (const mpq::test::NamedModel& g : mpq::test::small_graphs()) {
    const mpq::QuantGraph graph = mpq::test::graph_of(g.model);
    for (const mpq::test::NamedPolicy& p : mpq::test::test_policies(graph))
      check_in_place_blob(graph, p.policy, {}, seed++, std::string(g.label) + ", " + p.label);
  }
  // A stem stage, then in-place depthwise ops after it (the case).
  for (const char* arch : {"mobilenet_v1", "mobilenet_v2", "mnasnet"}) {
    const mpq::QuantGraph graph = builder_graph(arch);
    for (const mpq::test::NamedPolicy& p : mpq::test::test_policies(graph)) {
      for (bool stream : {false, true}) {
        mpq::rt::PatchStage stage{0, 1, 2, stream};
        const std::string what = std::string(arch) + " stem stage 2x2" + (stream ? " streamed, " : ", ") + p.label;
        check_in_place_blob(graph, p.policy, stage, seed++, what);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(load_refuses_a_flag_that_does_not_match_the_placement_or_an_ineligible_op) {
  using mpq::rt::Status;
  using mpq::InplaceDepthwise;
  const mpq::QuantGraph graph = builder_graph("mnasnet");
  const mpq::Policy policy = mpq::uniform_policy(graph, 8, 8);
  const std::vector<mpq::rt::OpRecord> records = mpq::op_records(graph, policy);
  const mpq::ModelArena every = mpq::plan_model_arena(records, {}, InplaceDepthwise::every);
  BOOST_REQUIRE(!every.inplace_ops.empty());
  const uint16_t op = every.inplace_ops.front();
  const std::vector<uint8_t> in_place = mpq::test::random_valid_blob(graph, policy, 3, {}, InplaceDepthwise::every);
  const std::vector<uint8_t> separate = mpq::test::random_valid_blob(graph, policy, 3, {}, InplaceDepthwise::off);
  BOOST_REQUIRE(mpq::test::load(in_place).status == Status::ok);
  // The flag off under in-place offsets, and on under separate ones: not the planner's.
  std::vector<uint8_t> bad = in_place;
  mpq::test::edit_op(bad, op, [](mpq::OpRecord& r) { r.flags &= static_cast<uint8_t>(~mpq::blob::kOpFlagInPlace); });
  BOOST_TEST(mpq::test::load(bad).status == Status::plan_mismatch);
  bad = separate;
  mpq::test::edit_op(bad, op, [](mpq::OpRecord& r) { r.flags |= mpq::blob::kOpFlagInPlace; });
  BOOST_TEST(mpq::test::load(bad).status == Status::plan_mismatch);
  // An in-place input moved by one alignment step.
  bad = in_place;
  mpq::test::edit_buffer(bad, records[op].input_buffer, [](mpq::rt::ArenaBuffer& b) { b.offset -= 4; });
  BOOST_TEST(mpq::test::load(bad).status == Status::plan_mismatch);
  // The flag on an op that may not run in place: a conv; below, the residual block's
  // depthwise ops that are not eligible; and any header flag bit.
  for (uint16_t i = 0; i < records.size(); ++i) {
    if (records[i].kind != mpq::blob::op_kind::conv) continue;
    bad = separate;
    mpq::test::edit_op(bad, i, [](mpq::OpRecord& r) { r.flags |= mpq::blob::kOpFlagInPlace; });
    const mpq::test::LoadResult loaded = mpq::test::load(bad);
    BOOST_TEST(loaded.status == Status::bad_op_field);
    BOOST_TEST(loaded.error.op == i);
    break;
  }
  const mpq::QuantGraph residual = mpq::test::graph_of(mpq::test::residual_model());
  const std::vector<mpq::rt::OpRecord> block = mpq::op_records(residual, mpq::uniform_policy(residual, 8, 8));
  const std::vector<uint8_t> block_blob = mpq::test::random_valid_blob(residual, mpq::uniform_policy(residual, 8, 8), 4);
  int ineligible = 0;
  const mpq::ModelArena block_every = mpq::plan_model_arena(block, {}, InplaceDepthwise::every);
  for (uint16_t i = 0; i < block.size(); ++i) {
    if (block[i].kind != mpq::blob::op_kind::depthwise) continue;
    if (std::find(block_every.inplace_ops.begin(), block_every.inplace_ops.end(), i) != block_every.inplace_ops.end())
      continue;
    ++ineligible;
    bad = block_blob;
    mpq::test::edit_op(bad, i, [](mpq::OpRecord& r) { r.flags |= mpq::blob::kOpFlagInPlace; });
    const mpq::test::LoadResult loaded = mpq::test::load(bad);
    BOOST_TEST(loaded.status == Status::bad_op_field, "residual block op " << i);
    BOOST_TEST(loaded.error.op == i);
  }
  BOOST_TEST(ineligible > 0);
  for (uint8_t bit = 0; bit < 8; ++bit) {
    bad = in_place;
    mpq::test::edit_header(bad, [bit](mpq::BlobHeader& h) { h.flags = static_cast<uint8_t>(1u << bit); });
    BOOST_TEST(mpq::test::load(bad).status == Status::bad_header_field, "header flag bit " << int(bit));
  }
}

BOOST_AUTO_TEST_CASE(eligibility_skips_residual_skips_the_network_input_and_stage_ops) {
  // Every depthwise op of the residual block is eligible exactly when the network input is
  // not its input and no later op (the add's skip) reads its input; no other kind is.
  const mpq::QuantGraph graph = mpq::test::graph_of(mpq::test::residual_model());
  const std::vector<mpq::rt::OpRecord> records = mpq::op_records(graph, mpq::uniform_policy(graph, 8, 8));
  const mpq::ModelArena arena = mpq::plan_model_arena(records);
  const std::vector<uint8_t> bytes = mpq::encoded_records(records);
  for (uint16_t i = 0; i < records.size(); ++i) {
    const mpq::rt::OpRecord& r = records[i];
    const uint16_t last = arena.buffers[r.input_buffer].last_step;
    const bool eligible = mpq::rt::inplace_depthwise_eligible(bytes.data(), i, {}, last);
    if (r.kind != mpq::blob::op_kind::depthwise) {
      BOOST_TEST(!eligible, "op " << i);
      continue;
    }
    const bool read_later = arena.buffers[r.input_buffer].last_step > i + 1;
    BOOST_TEST(eligible == (!read_later && r.input_buffer != 0), "op " << i);
    // Inside a stage never.
    BOOST_TEST(!mpq::rt::inplace_depthwise_eligible(bytes.data(), i, {i, 1, 2}, last), "op " << i);
  }
}

BOOST_AUTO_TEST_SUITE_END()
