// FLASH and RAM of small graphs computed by hand from docs/memory-model.md and
// docs/blob-format.md, and the memory model's consistency on the real builders.
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "libmpq/kernels/convolve.hpp"
#include "libmpq/kernels/depthwise_convolve.hpp"
#include "libmpq/kernels/fully_connected.hpp"
#include "libmpq/kernels/pointwise_convolve.hpp"
#include "libmpq/mcu/memory_model.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/quant/op_records.hpp"
#include "libmpq/runtime/op_requirements.hpp"
#include "mcu/mcu_fixtures.hpp"

using namespace mpq;
using mpq::test::check_error_mentions;

namespace {

// Fixed FLASH: 64-byte header, 256-byte input table per input channel, and the record of
// the input buffer.
uint32_t fixed_flash(uint32_t in_channels) { return 64 + 256 * in_channels + 12; }

// Scratch the runtime's kernels ask for (the kernels' own contract, not the memory model's).
uint32_t conv_scratch(int32_t h, int32_t w, int32_t cin, int32_t cout, int32_t k, int32_t s, int32_t p, int32_t bits) {
  kernels::ConvParams c{h, w, cin, cout, k, k, s, s, p, p, p, p, {bits, 0}, bits, kernels::full_range_output(bits, 0)};
  return static_cast<uint32_t>(kernels::convolve_fast_get_buffer_size(c));
}
uint32_t pointwise_scratch(int32_t h, int32_t w, int32_t cin, int32_t cout, int32_t bits) {
  kernels::PointwiseParams c{h, w, cin, cout, {bits, 0}, bits, kernels::full_range_output(bits, 0)};
  return static_cast<uint32_t>(kernels::pointwise_convolve_fast_get_buffer_size(c));
}
uint32_t depthwise_scratch(int32_t h, int32_t w, int32_t c, int32_t k, int32_t s, int32_t p, int32_t bits) {
  kernels::DepthwiseParams d{h, w, c, k, k, s, s, p, p, p, p, {bits, 0}, bits, kernels::full_range_output(bits, 0)};
  return static_cast<uint32_t>(kernels::depthwise_convolve_fast_get_buffer_size(d));
}
uint32_t fc_scratch(int32_t cin, int32_t cout, int32_t bits) {
  kernels::FullyConnectedParams f{cin, cout, {bits, 0}, bits, kernels::full_range_output(bits, 0)};
  return static_cast<uint32_t>(kernels::fully_connected_fast_get_buffer_size(f));
}

uint32_t align4(uint32_t v) { return (v + 3) / 4 * 4; }

ModelSpec default_spec(const char* arch) {
  ModelSpec s;
  s.arch = arch;
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(memory_model)

// c1 conv 3x3/2 1->4 (8x8 -> 4x4), c2 pointwise 4->6, pool, fc 6->3; all 8-bit.
BOOST_AUTO_TEST_CASE(chain_flash_is_header_table_records_buffers_weights_and_channel_params) {
  const QuantGraph g = test::graph_of(test::chain_model());
  const MemoryReport r = memory_report(op_records(g, uniform_policy(g, 8, 8)));
  BOOST_REQUIRE_EQUAL(r.ops.size(), 4u);
  // Weights: c1 4 x 9 taps x 1 byte = 36; c2 6 x 4 = 24; fc 3 x 6 = 18, padded to 20.
  BOOST_TEST(r.ops[0].weight_bytes == 36u);
  BOOST_TEST(r.ops[1].weight_bytes == 24u);
  BOOST_TEST(r.ops[2].weight_bytes == 0u);
  BOOST_TEST(r.ops[3].weight_bytes == 20u);
  // Params: 12 bytes per output channel + the 96-byte record + 12 per buffer (output and
  // scratch; the pool has no scratch).
  BOOST_TEST(r.ops[0].param_bytes == 4 * 12 + 96 + 2 * 12u);
  BOOST_TEST(r.ops[1].param_bytes == 6 * 12 + 96 + 2 * 12u);
  BOOST_TEST(r.ops[2].param_bytes == 96 + 12u);
  BOOST_TEST(r.ops[3].param_bytes == 3 * 12 + 96 + 2 * 12u);
  BOOST_TEST(r.fixed_flash_bytes == fixed_flash(1));
  // 64 + 256 + 4 x 96 records + 8 x 12 buffer records + 36 + 48 + 24 + 72 + 20 + 36.
  BOOST_TEST(r.flash_bytes == 1036u);
}

// Buffers (steps: 0 writes the input, op i runs at step i + 1):
//   input 64 B [0,1], c1 out 4x4x4 = 64 B [1,2], c1 scratch [1,1], c2 out 4x4x6 = 96 B [2,3],
//   c2 scratch [2,2], pool out 6 B [3,4], fc out 3 B [4,4], fc scratch [4,4].
BOOST_AUTO_TEST_CASE(chain_ram_is_the_arena_over_input_outputs_and_scratch) {
  const QuantGraph g = test::graph_of(test::chain_model());
  const MemoryReport r = memory_report(op_records(g, uniform_policy(g, 8, 8)));
  const uint32_t s1 = conv_scratch(8, 8, 1, 4, 3, 2, 1, 8);
  const uint32_t s2 = pointwise_scratch(4, 4, 4, 6, 8);
  const uint32_t s4 = fc_scratch(6, 3, 8);
  BOOST_TEST(r.ops[0].scratch_bytes == s1);
  BOOST_TEST(r.ops[1].scratch_bytes == s2);
  BOOST_TEST(r.ops[2].scratch_bytes == 0u);
  BOOST_TEST(r.ops[3].scratch_bytes == s4);
  BOOST_TEST(r.ops[0].input_bytes == 64u);
  BOOST_TEST(r.ops[0].output_bytes == 64u);
  BOOST_TEST(r.ops[1].output_bytes == 96u);
  BOOST_TEST(r.ops[2].output_bytes == 6u);
  BOOST_TEST(r.ops[3].output_bytes == 3u);
  // Live at each step, each buffer rounded up to 4 bytes.
  BOOST_TEST(r.ops[0].live_bytes == 64 + 64 + align4(s1));
  BOOST_TEST(r.ops[1].live_bytes == 64 + 96 + align4(s2));
  BOOST_TEST(r.ops[2].live_bytes == 96 + 8u);
  BOOST_TEST(r.ops[3].live_bytes == 8 + 4 + align4(s4));
  // The kernels' current scratch: im2col of 9 taps (108 B) and 4 output channels'
  // requantization records (64 B), pointwise 36 B, fc 24 B. Then the greedy placement packs
  // step 1 exactly (scratch at 0, input at 172, c1 out at 236), so RAM is the lower bound,
  // 300 bytes.
  BOOST_REQUIRE(s1 == 172u && s2 == 36u && s4 == 24u);
  BOOST_TEST(r.ram_bytes == 300u);
  BOOST_TEST(r.ram_lower_bound == 300u);
  BOOST_TEST(r.peak_op == 0);
  BOOST_TEST(r.ops[0].peak);
  BOOST_TEST(!r.ops[3].peak);
  BOOST_TEST(r.naive_ram_bytes == 64 + 96u);  // c2's input + output
  BOOST_TEST(r.input_bytes == 64u);
}

// c1 conv 3x3 1->8 -> r (8x8x8 = 512 B), dw, pw (no ReLU), add(r, pw), pool, fc 8->3.
BOOST_AUTO_TEST_CASE(residual_input_stays_live_until_the_add_reads_it) {
  const QuantGraph g = test::graph_of(test::residual_model());
  const BlobLayout L = blob_layout(op_records(g, uniform_policy(g, 8, 8)));
  const MemoryReport r = memory_report(L);
  BOOST_REQUIRE_EQUAL(r.ops.size(), 6u);
  BOOST_TEST(qop_kind_name(g.ops[3].kind) == std::string("add"));
  // c1's output is read by dw (step 2) and by the add (step 4).
  const rt::ArenaBuffer& residual = L.arena.buffers[L.arena.ops[0].output];
  BOOST_TEST(residual.size == 512u);
  BOOST_TEST(residual.first_step == 1);
  BOOST_TEST(residual.last_step == 4);
  BOOST_TEST(L.arena.ops[3].input[0] == L.arena.ops[0].output);
  BOOST_TEST(L.arena.ops[3].input[1] == L.arena.ops[2].output);
  BOOST_TEST(r.ops[3].input_bytes == 1024u);
  BOOST_TEST(r.ops[3].scratch_bytes == 0u);
  // At pw's step: residual, dw out, pw out (512 each) and pw's scratch.
  const uint32_t s_pw = pointwise_scratch(8, 8, 8, 8, 8);
  BOOST_TEST(r.ops[2].scratch_bytes == s_pw);
  BOOST_TEST(r.ops[2].live_bytes == 3 * 512 + align4(s_pw));
  BOOST_TEST(r.ops[3].live_bytes == 3 * 512u);  // residual, pw out, add out
  const uint32_t s_dw = depthwise_scratch(8, 8, 8, 3, 1, 1, 8);
  const uint32_t step1 = 64 + 512 + align4(conv_scratch(8, 8, 1, 8, 3, 1, 1, 8));
  const uint32_t step2 = 2 * 512 + align4(s_dw);
  const uint32_t step3 = 3 * 512 + align4(s_pw);
  const uint32_t step6 = 8 + 4 + align4(fc_scratch(8, 3, 8));
  BOOST_TEST(r.ops[0].live_bytes == step1);
  BOOST_TEST(r.ops[5].live_bytes == step6);
  BOOST_TEST(r.ram_lower_bound == std::max({step1, step2, step3, 3 * 512u, 512 + 8u, step6}));
  // With every scratch under 512 B and pw's step the largest (dw's scratch is 296 B today),
  // the greedy plan puts the 512-byte tensors first (r at 0, dw out at 512, pw out at
  // 1024, add out at 512) and pw's scratch at 1536: RAM = pw's step, 1608 B.
  if (s_dw < 512 && step3 >= std::max(step1, step2)) {
    BOOST_TEST(r.ram_bytes == step3);
    BOOST_TEST(r.peak_op == 2);
  }
  // The naive max(in + out) is the add's 3 x 512: it misses pw's live residual and scratch.
  BOOST_TEST(r.naive_ram_bytes == 1536u);
  BOOST_TEST(r.ram_bytes > r.naive_ram_bytes);
  // FLASH: 64 + 256 + 6 x 96 + 11 x 12 + weights 72 + 72 + 64 + 24 + params 12 x (8+8+8+3).
  BOOST_TEST(r.flash_bytes == 1584u);
}

// 3x6x6 input, c1 3->5, dw 5 stride 2, pw 5->7, pool, fc 7->3; all 2-bit.
BOOST_AUTO_TEST_CASE(odd_channels_at_2_bits_pad_every_row_to_whole_bytes) {
  const QuantGraph g = test::graph_of(test::odd_channel_model());
  const MemoryReport r = memory_report(op_records(g, uniform_policy(g, 2, 2)));
  BOOST_REQUIRE_EQUAL(r.ops.size(), 5u);
  // Weight rows: c1 tap of 3 values = 1 byte, 5 x 9 = 45 -> 48; dw tap of 5 values =
  // 2 bytes, 9 x 2 = 18 -> 20; pw row of 5 = 2 bytes, 7 x 2 = 14 -> 16; fc row of 7 =
  // 2 bytes, 3 x 2 = 6 -> 8.
  BOOST_TEST(r.ops[0].weight_bytes == 48u);
  BOOST_TEST(r.ops[1].weight_bytes == 20u);
  BOOST_TEST(r.ops[2].weight_bytes == 16u);
  BOOST_TEST(r.ops[4].weight_bytes == 8u);
  // Activations: the input is 8-bit (6x6x3 = 108); a pixel of 5 2-bit values takes 2
  // bytes (6x6 -> 72, 3x3 -> 18), of 7 values 2 bytes (18), pool 2; the logits stay
  // 8-bit in uniform policies: 3 values, 3 bytes.
  BOOST_TEST(r.ops[0].input_bytes == 108u);
  BOOST_TEST(r.ops[0].output_bytes == 72u);
  BOOST_TEST(r.ops[1].output_bytes == 18u);
  BOOST_TEST(r.ops[2].output_bytes == 18u);
  BOOST_TEST(r.ops[3].output_bytes == 2u);
  BOOST_TEST(r.ops[4].output_bytes == 3u);
  BOOST_TEST(r.fixed_flash_bytes == fixed_flash(3));
  // 64 + 768 + 5 x 96 + 10 x 12 + (48 + 20 + 16 + 8) + 12 x (5 + 5 + 7 + 3).
  BOOST_TEST(r.flash_bytes == 1764u);
  const uint32_t s1 = conv_scratch(6, 6, 3, 5, 3, 1, 1, 2);
  const uint32_t s_dw = depthwise_scratch(6, 6, 5, 3, 2, 1, 2);
  const uint32_t s_pw = pointwise_scratch(3, 3, 5, 7, 2);
  const uint32_t s_fc = fc_scratch(7, 3, 2);
  BOOST_TEST(r.ops[0].scratch_bytes == s1);
  BOOST_TEST(r.ops[1].scratch_bytes == s_dw);
  BOOST_TEST(r.ops[2].scratch_bytes == s_pw);
  BOOST_TEST(r.ops[4].scratch_bytes == s_fc);
  // Live at each step, every buffer rounded up to 4 bytes: 18 -> 20, 2 -> 4, 3 -> 4.
  const uint32_t live[] = {108 + 72 + align4(s1), 72 + 20 + align4(s_dw), 20 + 20 + align4(s_pw), 20 + 4,
                           4 + 4 + align4(s_fc)};
  uint32_t bound = 0;
  for (size_t i = 0; i < 5; ++i) {
    BOOST_TEST(r.ops[i].live_bytes == live[i], "step " << i + 1);
    bound = std::max(bound, live[i]);
  }
  BOOST_TEST(r.ram_lower_bound == bound);
  BOOST_TEST(r.ram_bytes >= bound);
  BOOST_TEST(r.ops[static_cast<size_t>(r.peak_op)].peak);
}

BOOST_AUTO_TEST_CASE(avgpool_output_keeps_its_input_bits_in_a_mixed_policy) {
  const QuantGraph g = test::graph_of(test::odd_channel_model());
  Policy p = uniform_policy(g, 8, 8);
  p.layers[1].w_bits = 2;  // dw
  p.layers[2].a_bits = 4;  // pw output
  p.layers[3].w_bits = 4;  // fc (the pool makes no decision)
  const std::vector<OpBits> bits = op_bits(g, p);
  BOOST_TEST(bits[3].input_bits[0] == 4);
  BOOST_TEST(bits[3].output_bits == 4);
  BOOST_TEST(bits[3].weight_bits == 0);
  BOOST_TEST(bits[4].input_bits[0] == 4);
  const MemoryReport r = memory_report(op_records(g, p));
  BOOST_TEST(r.ops[3].output_bytes == 4u);  // 7 x 4 bits = 28 bits -> 4 bytes
  BOOST_TEST(r.ops[1].weight_bytes == 20u);  // 9 taps x 2 bytes
  BOOST_TEST(r.ops[4].weight_bytes == 12u);  // 3 rows x 4 bytes
  BOOST_TEST(r.ops[2].output_bytes == 9 * 4u);
}

// ops: 0 c1 conv 3x3 3->5 (9x9), 1 mp1 (-> 5x5), 2 c2 pointwise 5->6, 3 ap1, 4 ap2 (-> 3x3),
// 5 c3 pointwise 6->7, 6 mp2 (-> 2x2), 7 global pool, 8 fc 7->3; weights 4-bit, outputs 2-bit.
BOOST_AUTO_TEST_CASE(window_pools_cost_a_record_a_buffer_record_and_their_output) {
  const QuantGraph g = test::graph_of(test::pooling_model());
  BOOST_REQUIRE_EQUAL(g.ops.size(), 9u);
  BOOST_REQUIRE_EQUAL(g.decision_ops.size(), 4u);  // c1, c2, c3, fc: the pools make none
  const MemoryReport r = memory_report(op_records(g, uniform_policy(g, 4, 2)));
  // Pool outputs: pixels x whole bytes of 2-bit channels: mp1 25 x 2, ap1 25 x 2 (6 ch),
  // ap2 9 x 2, mp2 4 x 2 (7 ch), global pool 1 x 2.
  const uint32_t pool_ops[] = {1, 3, 4, 6, 7}, pool_out[] = {50, 50, 18, 8, 2};
  for (size_t k = 0; k < 5; ++k) {
    const OpMemory& m = r.ops[pool_ops[k]];
    BOOST_TEST(m.output_bytes == pool_out[k], "op " << pool_ops[k]);
    BOOST_TEST(m.output_bits == 2);
    BOOST_TEST(m.weight_bytes == 0u);
    BOOST_TEST(m.scratch_bytes == 0u);
    BOOST_TEST(m.param_bytes == 96 + 12u);
  }
  BOOST_TEST(r.ops[1].input_bytes == 81 * 2u);  // c1 9x9 output, 2 bytes a pixel
  // Weights at 4 bits, rows padded to bytes and sections to 4: c1 45 rows x 2 = 90 -> 92;
  // c2 6 x 3 = 18 -> 20; c3 7 x 3 = 21 -> 24; fc 3 x 4 = 12.
  BOOST_TEST(r.ops[0].weight_bytes == 92u);
  BOOST_TEST(r.ops[2].weight_bytes == 20u);
  BOOST_TEST(r.ops[5].weight_bytes == 24u);
  BOOST_TEST(r.ops[8].weight_bytes == 12u);
  uint32_t scratch_buffers = 0;
  for (const OpMemory& m : r.ops) scratch_buffers += m.scratch_bytes > 0;
  // Header 64, input tables 3 x 256, 9 records, buffer records (input, 9 outputs, scratch),
  // weights, 12 bytes per output channel of c1, c2, c3, fc (5 + 6 + 7 + 3).
  BOOST_TEST(r.flash_bytes == 64 + 768 + 9 * 96 + 12 * (10 + scratch_buffers) + 92 + 20 + 24 + 12 + 12 * 21u);
  BOOST_TEST(r.flash_bytes == blob_layout(op_records(g, uniform_policy(g, 4, 2))).total_bytes);
}

BOOST_AUTO_TEST_CASE(flash_is_fixed_plus_per_op_bytes_and_the_blob_layout_total) {
  for (const char* arch : {"mobilenet_v1", "mobilenet_v2", "mnasnet"}) {
    const QuantGraph g = build_quant_graph(build_model(default_spec(arch)));
    for (int w : {8, 4, 2})
      for (int a : {8, 4, 2}) {
        const Policy p = uniform_policy(g, w, a);
        const MemoryReport r = memory_report(op_records(g, p));
        uint64_t sum = r.fixed_flash_bytes;
        for (const OpMemory& m : r.ops) sum += m.weight_bytes + m.param_bytes;
        BOOST_TEST(sum == r.flash_bytes, arch << " w" << w << " a" << a);
        BOOST_TEST(r.flash_bytes == blob_layout(op_records(g, p)).total_bytes);
        BOOST_TEST(r.ram_bytes >= r.ram_lower_bound);
        BOOST_TEST(r.ram_bytes % 4 == 0u);
      }
  }
}

// The documented rule, rebuilt here from the graph: buffer 0 the 8-bit input; per op its
// output (until its last reader) then its scratch (its own step), if any.
BOOST_AUTO_TEST_CASE(ram_is_plan_arena_over_the_documented_buffer_list) {
  for (const bool pooling : {false, true}) {
  const QuantGraph g = pooling ? test::graph_of(test::pooling_model())
                               : build_quant_graph(build_model(default_spec("mobilenet_v2")));
  const Policy p = uniform_policy(g, 4, pooling ? 2 : 4);
  const std::vector<OpBits> bits = op_bits(g, p);
  const std::vector<rt::OpRecord> records = op_records(g, p);
  const BlobLayout L = blob_layout(records);
  std::vector<rt::ArenaBuffer> expected;
  expected.push_back({static_cast<uint32_t>(g.spec.in_height * g.spec.in_width * g.spec.in_channels), 0, 1, 0});
  const std::vector<int> last = g.last_reader();
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const QOp& op = g.ops[i];
    const uint32_t pixel = static_cast<uint32_t>((op.out_c * bits[i].output_bits + 7) / 8);
    const uint16_t step = static_cast<uint16_t>(i + 1);
    const uint16_t until = static_cast<uint16_t>(last[i] < 0 ? step : last[i] + 1);
    expected.push_back({static_cast<uint32_t>(op.out_h * op.out_w) * pixel, step, until, 0});
    // The depthwise ops granted their one-chunk scratch (docs/memory-model.md, "Scratch"):
    // tests/mcu/test_one_chunk_scratch.cpp checks which; here, that the list has it.
    rt::OpRecord r = records[i];
    if (std::count(L.arena.one_chunk_ops.begin(), L.arena.one_chunk_ops.end(), i) > 0) r.flags |= blob::kOpFlagOneChunk;
    const uint32_t scratch = static_cast<uint32_t>(rt::op_requirements(r).scratch_bytes);
    if (scratch > 0) expected.push_back({scratch, step, step, 0});
  }
  std::vector<uint16_t> order(expected.size());
  uint32_t arena = 0;
  BOOST_REQUIRE(rt::plan_arena(expected.data(), static_cast<uint16_t>(expected.size()), 4, order.data(), &arena) ==
                rt::PlanStatus::ok);
  BOOST_REQUIRE_EQUAL(L.arena.buffers.size(), expected.size());
  for (size_t b = 0; b < expected.size(); ++b) {
    BOOST_TEST(L.arena.buffers[b].size == expected[b].size, "buffer " << b);
    BOOST_TEST(L.arena.buffers[b].first_step == expected[b].first_step, "buffer " << b);
    BOOST_TEST(L.arena.buffers[b].last_step == expected[b].last_step, "buffer " << b);
    BOOST_TEST(L.arena.buffers[b].offset == expected[b].offset, "buffer " << b);
  }
  BOOST_TEST(memory_report(L).ram_bytes == arena);
  }
}

BOOST_AUTO_TEST_CASE(planned_model_buffers_never_overlap_while_live) {
  for (const char* arch : {"mobilenet_v1", "mobilenet_v2", "mnasnet"}) {
    const QuantGraph g = build_quant_graph(build_model(default_spec(arch)));
    const ModelArena a = blob_layout(op_records(g, uniform_policy(g, 8, 2))).arena;
    for (size_t i = 0; i < a.buffers.size(); ++i) {
      const rt::ArenaBuffer& x = a.buffers[i];
      BOOST_TEST(x.offset % 4 == 0u);
      BOOST_TEST(x.offset + x.size <= a.arena_bytes);
      for (size_t j = i + 1; j < a.buffers.size(); ++j) {
        const rt::ArenaBuffer& y = a.buffers[j];
        const bool live_together = x.first_step <= y.last_step && y.first_step <= x.last_step;
        const bool disjoint = x.offset + x.size <= y.offset || y.offset + y.size <= x.offset;
        if (live_together && x.size > 0 && y.size > 0) BOOST_TEST(disjoint, arch << " buffers " << i << ", " << j);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(the_peak_op_is_marked_where_the_arena_top_is_reached) {
  const QuantGraph g = build_quant_graph(build_model(default_spec("mobilenet_v2")));
  const MemoryReport r = memory_report(op_records(g, uniform_policy(g, 8, 8)));
  BOOST_REQUIRE(r.peak_op >= 0);
  BOOST_TEST(r.ops[static_cast<size_t>(r.peak_op)].peak);
  for (const OpMemory& m : r.ops) {
    BOOST_TEST(m.arena_top <= r.ram_bytes);
    BOOST_TEST(m.peak == (m.arena_top == r.ram_bytes));
    BOOST_TEST(m.live_bytes <= m.arena_top);
  }
}

BOOST_AUTO_TEST_CASE(fewer_weight_bits_never_cost_more_flash) {
  const QuantGraph g = build_quant_graph(build_model(default_spec("mnasnet")));
  for (int a : {8, 4, 2}) {
    const uint32_t f8 = memory_report(op_records(g, uniform_policy(g, 8, a))).flash_bytes;
    const uint32_t f4 = memory_report(op_records(g, uniform_policy(g, 4, a))).flash_bytes;
    const uint32_t f2 = memory_report(op_records(g, uniform_policy(g, 2, a))).flash_bytes;
    BOOST_TEST(f8 > f4);
    BOOST_TEST(f4 > f2);
  }
}

BOOST_AUTO_TEST_CASE(a_policy_for_another_model_is_rejected) {
  const QuantGraph chain = test::graph_of(test::chain_model());
  const QuantGraph odd = test::graph_of(test::odd_channel_model());
  check_error_mentions([&] { memory_report(op_records(chain, uniform_policy(odd, 8, 8))); }, {"policy is for model", "odd", "chain"});
}

BOOST_AUTO_TEST_CASE(a_policy_with_a_wrong_layer_is_rejected_naming_it) {
  const QuantGraph g = test::graph_of(test::residual_model());
  Policy p = uniform_policy(g, 8, 8);
  p.layers.pop_back();
  check_error_mentions([&] { memory_report(op_records(g, p)); }, {"4 layers", "5"});
  p = uniform_policy(g, 8, 8);
  p.layers[1].name = "other";
  check_error_mentions([&] { memory_report(op_records(g, p)); }, {"layers[1]", "other", "dw"});
  p = uniform_policy(g, 8, 8);
  p.layers[3].w_bits = 8;  // the add
  check_error_mentions([&] { memory_report(op_records(g, p)); }, {"layers[3]", "w_bits"});
  p = uniform_policy(g, 8, 8);
  p.layers[0].a_bits = 3;
  check_error_mentions([&] { memory_report(op_records(g, p)); }, {"layers[0]", "a_bits is 3"});
}

BOOST_AUTO_TEST_SUITE_END()
