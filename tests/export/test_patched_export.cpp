// A blob exported with a patch stage runs to the unpatched blob's outputs, bit for bit, on
// the default model at w8a8, w4a4, w2a2 and a mixed policy: with the automatic stage and
// with stages by hand; it differs from the unpatched blob only in the header's stage
// fields and the buffer table, and its size and arena are the memory model's.
#include <boost/test/unit_test.hpp>

#include <cstring>

#include "export/default_model.hpp"
#include "libmpq/export/integer_model.hpp"
#include "libmpq/mcu/memory_model.hpp"
#include "libmpq/mcu/patch_plan.hpp"
#include "libmpq/quant/op_records.hpp"
#include "libmpq/runtime/blob_format.hpp"
#include "libmpq/runtime/blob_header.hpp"

using namespace mpq;

namespace {

struct NamedPolicy {
  const char* label;
  Policy policy;
};

std::vector<NamedPolicy> policies(const QuantGraph& graph) {
  Policy mixed = uniform_policy(graph, 8, 8);
  static const int kBits[] = {8, 4, 2};
  for (size_t i = 0; i < mixed.layers.size(); ++i) {
    if (mixed.layers[i].w_bits != 0) mixed.layers[i].w_bits = kBits[(i + 2) % 3];
    mixed.layers[i].a_bits = kBits[i % 3];
  }
  return {{"w8a8", uniform_policy(graph, 8, 8)},
          {"w4a4", uniform_policy(graph, 4, 4)},
          {"w2a2", uniform_policy(graph, 2, 2)},
          {"mixed", mixed}};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(patched_export)

BOOST_AUTO_TEST_CASE(patched_blobs_of_the_default_model_give_the_unpatched_outputs) {
  test::DefaultModel m;
  const std::vector<uint8_t> images = test::synthetic_pixels(m.spec, 6, 77);
  const size_t pixels = static_cast<size_t>(m.spec.in_height * m.spec.in_width * m.spec.in_channels);
  for (const NamedPolicy& p : policies(m.graph)) {
    const std::vector<rt::OpRecord> records = op_records(m.graph, p.policy);
    Model fq = m.fake_quant(p.policy);
    const std::vector<uint8_t> plain_blob = m.export_blob(fq, p.policy);
    const IntegerModel plain(plain_blob, "unpatched");
    // The automatic stage (or the stem on a 2x2 grid when there is none), the stem and
    // first block by hand on 3x3, and the longest stage on 4x4. load_model refuses a
    // stage that costs RAM (patch_stage_costs_ram): since the fast depthwise kernel's
    // scratch holds one chunk of channels, w2a2's arena without a stage is 6,288 B and its
    // stem and first block on 3x3 would take 6,344 B, so such a stage is skipped.
    rt::PatchStage chosen = choose_patch_stage(records, 0.2);
    if (!chosen.present()) chosen = {0, 1, 2};
    const uint32_t unpatched_ram = memory_report(records).ram_bytes;
    int exported = 0;
    for (const rt::PatchStage patch : {chosen, rt::PatchStage{0, 3, 3}, rt::PatchStage{0, 7, 4}}) {
      const std::string what = std::string(p.label) + ", " + std::to_string(patch.op_count) + " ops, grid " +
                               std::to_string(patch.grid);
      const MemoryReport report = memory_report(records, patch);
      if (report.ram_bytes > unpatched_ram) continue;
      ++exported;
      const std::vector<uint8_t> blob = m.export_blob(fq, p.policy, patch);
      const IntegerModel patched(blob, "patched");
      BOOST_TEST(blob.size() == report.flash_bytes, what);
      BOOST_TEST(patched.arena_bytes() == report.ram_bytes, what);
      // Header (stage fields, arena, CRC, data offset) and buffer table aside, the bytes are
      // the unpatched blob's, moved by the two stage buffers' records.
      const rt::BlobHeader h = rt::decode_blob_header(blob.data());
      BOOST_TEST(h.patch_op_count == patch.op_count);
      BOOST_TEST(h.patch_grid == patch.grid);
      BOOST_TEST(blob.size() == plain_blob.size() + 2 * blob::kBufferRecordBytes, what);
      BOOST_TEST(std::memcmp(blob.data() + h.data_offset, plain_blob.data() + rt::decode_blob_header(plain_blob.data()).data_offset,
                             blob.size() - h.data_offset) == 0,
                 what << ": weights and channel parameters");
      for (size_t i = 0; i < 6; ++i) {
        const uint8_t* image = images.data() + i * pixels;
        const std::vector<int32_t> expected = plain.run(image);
        BOOST_TEST(patched.run(image) == expected, what << " image " << i);
        BOOST_TEST(patched.run(image, /*reference=*/true) == expected, what << " image " << i << " (reference)");
      }
    }
    BOOST_TEST(exported >= 2, p.label);
  }
}

BOOST_AUTO_TEST_CASE(automatic_stage_lowers_the_default_models_ram_at_every_uniform_width) {
  test::DefaultModel m;
  // And at 2 bits, since the fast depthwise kernel's chunked scratch no longer makes the
  // 13th depthwise block the peak.
  for (int bits : {8, 4, 2}) {
    const std::vector<rt::OpRecord> records = op_records(m.graph, uniform_policy(m.graph, bits, bits));
    const rt::PatchStage patch = choose_patch_stage(records, 0.2);
    BOOST_REQUIRE(patch.present());
    BOOST_TEST(memory_report(records, patch).ram_bytes < memory_report(records).ram_bytes);
  }
}

BOOST_AUTO_TEST_SUITE_END()
