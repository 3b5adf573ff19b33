// The patch stage under a budget (mpq search --patch auto): the stage's record costs FLASH,
// so the budget check takes a stage only when the layer-by-layer arena is over the RAM
// budget. At the boundary, a FLASH budget equal to a policy's layer-by-layer blob: the
// policy fits without a stage (before, the stage of least RAM was always taken and its
// record put it over); a RAM budget only the stage meets: the stage, FLASH with its record.
// The same choice in enforcement, the baselines and the final fine-tune's checkpoint.
#include <boost/test/unit_test.hpp>

#include <string>

#include "libmpq/core/error.hpp"
#include "libmpq/mcu/patch_plan.hpp"
#include "libmpq/quant/op_records.hpp"
#include "libmpq/search/baselines.hpp"
#include "libmpq/search/final_finetune.hpp"
#include "search_fixture.hpp"

using mpq_search_test::Setup;

namespace {

mpq::MemoryBudget auto_patched(uint64_t flash, uint64_t ram) {
  mpq::MemoryBudget b{flash, ram, "boundary budget"};
  b.patch.request = "auto";
  return b;
}

bool has_uniform(const std::vector<mpq::NamedPolicy>& policies, const std::string& name) {
  for (const auto& p : policies)
    if (p.name == name) return true;
  return false;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(stage_at_the_budget, Setup)

BOOST_AUTO_TEST_CASE(a_policy_fits_its_own_layer_by_layer_flash_without_a_stage) {
  // 2-bit weights: the least FLASH of any policy; 8-bit activations: a stage lowers the arena.
  const mpq::Policy w2a8 = mpq::uniform_policy(graph, 2, 8);
  const mpq::MemoryReport plain = mpq::policy_memory(graph, w2a8);
  const mpq::MemoryBudget at = auto_patched(plain.flash_bytes, plain.ram_bytes);
  // The case of the bug: the stage lowers this policy's arena, so it used to be taken.
  BOOST_REQUIRE(mpq::policy_memory(graph, w2a8, at.patch).patch.present());
  BOOST_REQUIRE(mpq::policy_memory(graph, w2a8, at.patch).flash_bytes > plain.flash_bytes);

  const mpq::MemoryReport r = mpq::budget_memory(graph, w2a8, at);
  BOOST_TEST(!r.patch.present());
  BOOST_TEST(r.flash_bytes == plain.flash_bytes);
  BOOST_TEST(r.ram_bytes == plain.ram_bytes);
  BOOST_TEST(mpq::fits(r, at));
  BOOST_CHECK_NO_THROW(mpq::check_budget_feasible(graph, at));
  BOOST_TEST(has_uniform(mpq::fitting_uniform_policies(graph, at), "uniform w2a8"));
  // Enforcement from 8 bits: the stage meets RAM at once, but every weight must reach 2
  // bits, which leaves no FLASH for its record: it fits layer by layer.
  for (const mpq::Policy& start : {mpq::uniform_policy(graph, 8, 8), w2a8}) {
    mpq::Policy p = start;
    const mpq::MemoryReport enforced = mpq::enforce_budget(graph, p, at);
    BOOST_TEST(mpq::fits(enforced, at));
    BOOST_TEST(!enforced.patch.present());
    BOOST_TEST(enforced.ram_bytes == mpq::policy_memory(graph, p).ram_bytes);
  }
  BOOST_TEST(mpq::fits(mpq::budget_memory(graph, mpq::rule_based_policy(graph, at), at), at));
}

BOOST_AUTO_TEST_CASE(a_ram_budget_only_the_stage_meets_takes_it_and_its_flash) {
  const mpq::Policy w2a8 = mpq::uniform_policy(graph, 2, 8);
  const mpq::MemoryReport plain = mpq::policy_memory(graph, w2a8);
  const mpq::MemoryReport staged = mpq::policy_memory(graph, w2a8, auto_patched(0, 0).patch);
  BOOST_REQUIRE(staged.patch.present());
  BOOST_REQUIRE(staged.ram_bytes < plain.ram_bytes);
  const auto records = mpq::op_records(graph, w2a8);
  const mpq::MemoryBudget tight = auto_patched(staged.flash_bytes, staged.ram_bytes);

  const mpq::MemoryReport r = mpq::budget_memory(graph, w2a8, tight);
  BOOST_TEST(mpq::patch_request_text(r.patch) == mpq::patch_request_text(staged.patch));
  BOOST_TEST(r.ram_bytes == mpq::memory_report(records, r.patch).ram_bytes);
  // FLASH is the blob with the stage's record, more than layer by layer.
  BOOST_TEST(r.flash_bytes == mpq::memory_report(records, r.patch).flash_bytes);
  BOOST_TEST(r.flash_bytes > plain.flash_bytes);
  BOOST_TEST(mpq::fits(r, tight));
  BOOST_TEST(has_uniform(mpq::fitting_uniform_policies(graph, tight), "uniform w2a8"));
  mpq::Policy kept = w2a8;
  const mpq::MemoryReport enforced = mpq::enforce_budget(graph, kept, tight);
  BOOST_TEST(enforced.patch.present());
  BOOST_TEST(kept.key() == w2a8.key());
  // One byte less FLASH: the stage no longer fits, nor 8-bit activations layer by layer;
  // enforcement cuts activation bits until the arena needs no stage.
  mpq::MemoryBudget short_of_flash = tight;
  short_of_flash.flash -= 1;
  BOOST_TEST(!mpq::fits(mpq::budget_memory(graph, w2a8, short_of_flash), short_of_flash));
  BOOST_TEST(!has_uniform(mpq::fitting_uniform_policies(graph, short_of_flash), "uniform w2a8"));
  mpq::Policy cut = w2a8;
  const mpq::MemoryReport without = mpq::enforce_budget(graph, cut, short_of_flash);
  BOOST_TEST(mpq::fits(without, short_of_flash));
  BOOST_TEST(!without.patch.present());
  BOOST_TEST(cut.key() != w2a8.key());
}

BOOST_AUTO_TEST_CASE(enforcement_drops_a_stage_whose_record_flash_cannot_pay_for) {
  // RAM: the 8-bit arena with its stage, which a 2-bit arena meets layer by layer too;
  // FLASH: 2-bit weights layer by layer. The stage meets RAM with 8-bit activations but
  // its record is over FLASH, so enforcement cuts activation bits instead.
  const mpq::MemoryReport w8a8_staged =
      mpq::policy_memory(graph, mpq::uniform_policy(graph, 8, 8), auto_patched(0, 0).patch);
  const mpq::MemoryReport w2a2 = mpq::policy_memory(graph, mpq::uniform_policy(graph, 2, 2));
  BOOST_REQUIRE(w8a8_staged.patch.present());
  BOOST_REQUIRE(w2a2.ram_bytes <= w8a8_staged.ram_bytes);
  const mpq::MemoryBudget b = auto_patched(w2a2.flash_bytes, w8a8_staged.ram_bytes);
  mpq::Policy p = mpq::uniform_policy(graph, 8, 8);
  const mpq::MemoryReport r = mpq::enforce_budget(graph, p, b);
  BOOST_TEST(mpq::fits(r, b));
  BOOST_TEST(!r.patch.present());
  // What enforcement layer by layer gives (--patch none) is what it falls back to.
  mpq::MemoryBudget none = b;
  none.patch.request = "none";
  mpq::Policy q = mpq::uniform_policy(graph, 8, 8);
  mpq::enforce_budget(graph, q, none);
  BOOST_TEST(p.key() == q.key());
  BOOST_TEST(p.key() != mpq::uniform_policy(graph, 2, 8).key());  // activation bits were cut
}

BOOST_AUTO_TEST_CASE(the_shrunk_baseline_fits_its_layer_by_layer_flash_and_takes_the_stage_for_ram) {
  const std::vector<int64_t> sizes{spec.in_height};
  const mpq::PatchSetting patch = auto_patched(0, 0).patch;
  const mpq::Shrunk8bitCandidate full = mpq::shrunk_8bit_candidates(spec, sizes, patch).front();
  BOOST_REQUIRE(full.spec.width == spec.width);
  BOOST_REQUIRE(full.patched_ram < full.ram);
  BOOST_TEST(mpq::largest_fitting_8bit_model(spec, sizes, auto_patched(full.flash, full.ram)).width == spec.width);
  BOOST_TEST(mpq::largest_fitting_8bit_model(spec, sizes, auto_patched(full.patched_flash, full.patched_ram)).width ==
             spec.width);
  BOOST_TEST(mpq::largest_fitting_8bit_model(spec, sizes, auto_patched(full.flash, full.patched_ram)).width <
             spec.width);
}

BOOST_AUTO_TEST_CASE(the_final_finetune_records_the_stage_the_budget_takes_for_mpq_export) {
  const std::string float_path = dir + "/float.mpqc";
  mpq::save_checkpoint(float_path, ckpt);
  const mpq::Policy w8a8 = mpq::uniform_policy(graph, 8, 8);
  const mpq::MemoryReport plain = mpq::policy_memory(graph, w8a8);
  const mpq::PatchSetting patch = auto_patched(0, 0).patch;
  const mpq::MemoryReport staged = mpq::policy_memory(graph, w8a8, patch);
  BOOST_REQUIRE(staged.patch.present());
  auto final_row = [&](uint64_t ram_budget, const std::string& name) {
    mpq::FinalResult row;
    const std::string path = dir + "/" + name + ".mpqc";
    mpq::final_finetune(ckpt, float_path, graph, w8a8, train, val, val, 0, 1, path, row, false, patch, ram_budget,
                        mpq::QuantizerChoice::pact);
    BOOST_TEST(mpq::load_checkpoint(path).meta_or("patch_stage", "") == row.patch);
    return row;
  };
  const mpq::FinalResult fits_plain = final_row(plain.ram_bytes, "plain");
  BOOST_TEST(fits_plain.patch == "none");
  BOOST_TEST(fits_plain.ram == plain.ram_bytes);
  BOOST_TEST(fits_plain.flash == plain.flash_bytes);
  const mpq::FinalResult needs_stage = final_row(plain.ram_bytes - 1, "staged");
  BOOST_TEST(needs_stage.patch == mpq::patch_request_text(staged.patch));
  BOOST_TEST(needs_stage.ram == staged.ram_bytes);
  BOOST_TEST(needs_stage.flash == staged.flash_bytes);
  BOOST_TEST(needs_stage.unpatched_ram == plain.ram_bytes);
}

BOOST_AUTO_TEST_SUITE_END()
