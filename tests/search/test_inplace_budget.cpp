// The budget check with in-place depthwise pairs (PatchSetting::inplace, mpq search
// --inplace depthwise): its RAM is mpq memory's with pairs, layer by layer or with the
// stage --patch auto picks with pairs; enforcement keeps bits the separate-buffer check
// must cut; the final fine-tune's row carries both RAMs.
#include <boost/test/unit_test.hpp>

#include <string>

#include "libmpq/mcu/patch_plan.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/quant/op_bits.hpp"
#include "libmpq/quant/op_records.hpp"
#include "libmpq/search/budget.hpp"

namespace {

// MobileNetV2 0.25 at 1x32x32: its expanded depthwise ops peak, so pairs lower RAM.
mpq::QuantGraph v2_graph() {
  mpq::ModelSpec spec;
  spec.arch = "mobilenet_v2";
  return mpq::build_quant_graph(mpq::build_model(spec, 1));
}

mpq::PatchSetting setting(const std::string& request, bool stream, bool inplace) {
  mpq::PatchSetting s;
  s.request = request;
  s.stream_input = stream;
  s.inplace = inplace ? mpq::InplaceKinds::depthwise : mpq::InplaceKinds::none;
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(inplace_budget)

BOOST_AUTO_TEST_CASE(the_checked_ram_is_mpq_memorys_with_pairs) {
  const mpq::QuantGraph graph = v2_graph();
  for (int w : {8, 4})
    for (int a : {8, 4, 2}) {
      const mpq::Policy p = mpq::uniform_policy(graph, w, a);
      const std::vector<mpq::rt::OpRecord> records = mpq::op_records(graph, mpq::op_bits(graph, p));
      const std::string what = "w" + std::to_string(w) + "a" + std::to_string(a);
      // Layer by layer (a budget the stageless arena meets, or --patch none).
      const mpq::MemoryReport plain = mpq::policy_memory(graph, p, setting("none", false, true), mpq::kNoRamBudget);
      BOOST_TEST(plain.ram_bytes == mpq::memory_report(records, {}, mpq::InplaceKinds::depthwise).ram_bytes, what);
      BOOST_TEST(plain.ram_bytes <= mpq::policy_memory(graph, p).ram_bytes, what);
      // Over any budget: the stage --patch auto picks with pairs, its arena with pairs.
      for (bool stream : {false, true}) {
        const mpq::MemoryReport staged = mpq::policy_memory(graph, p, setting("auto", stream, true), 0);
        const mpq::rt::PatchStage chosen = mpq::choose_patch_stage(records, 0.2, stream, mpq::InplaceKinds::depthwise);
        BOOST_TEST(staged.patch.op_count == chosen.op_count, what);
        BOOST_TEST(staged.patch.grid == chosen.grid, what);
        const uint32_t expected =
            chosen.present() ? mpq::memory_report(records, chosen, mpq::InplaceKinds::depthwise).ram_bytes : plain.ram_bytes;
        BOOST_TEST(staged.ram_bytes == expected, what << (stream ? " streamed" : ""));
        BOOST_TEST(staged.ram_bytes <= mpq::policy_memory(graph, p, setting("auto", stream, false), 0).ram_bytes, what);
      }
    }
}

BOOST_AUTO_TEST_CASE(enforcement_keeps_the_bits_that_fit_with_pairs) {
  const mpq::QuantGraph graph = v2_graph();
  const mpq::Policy w8a8 = mpq::uniform_policy(graph, 8, 8);
  for (const std::string request : {"none", "auto"}) {
    const uint64_t with_pairs = mpq::policy_memory(graph, w8a8, setting(request, false, true), 0).ram_bytes;
    const uint64_t separate = mpq::policy_memory(graph, w8a8, setting(request, false, false), 0).ram_bytes;
    BOOST_REQUIRE_MESSAGE(with_pairs < separate, request << ": " << with_pairs << " vs " << separate);
    mpq::MemoryBudget budget{1u << 30, with_pairs, "between"};
    budget.patch = setting(request, false, true);
    mpq::Policy kept = w8a8;
    const mpq::MemoryReport r = mpq::enforce_budget(graph, kept, budget);
    BOOST_TEST(kept.key() == w8a8.key(), request);
    BOOST_TEST(r.ram_bytes == with_pairs, request);
    budget.patch.inplace = mpq::InplaceKinds::none;
    mpq::Policy cut = w8a8;
    BOOST_TEST(mpq::fits(mpq::enforce_budget(graph, cut, budget), budget), request);
    BOOST_TEST(cut.key() != w8a8.key(), request);
  }
}

BOOST_AUTO_TEST_SUITE_END()
