// Issue 17's "which policies fit stm32h743 at ImageNet shape", for a mixed policy: the
// rule-based (memory-driven) policy, which is the search's enforcement applied to uniform
// 8 bits, of MobileNetV1 1.0 / MobileNetV2 / MNasNet at 3x224x224 under the board's budgets
// (2 MiB FLASH, 512 KiB RAM; blob only, so that it runs in builds without code sizes),
// with and without --patch auto. A searched policy needs an ImageNet checkpoint; this one
// needs no data. Figures: `test_search --run_test=imagenet_rule_based --log_level=message`.
#include <boost/test/unit_test.hpp>

#include <string>

#include "libmpq/mcu/board.hpp"
#include "libmpq/mcu/patch_plan.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/search/baselines.hpp"
#include "nn/tiny_model.hpp"

namespace {

mpq::QuantGraph imagenet_graph(const std::string& arch) {
  mpq::Model m = mpq::build_model(mpq::test::imagenet_spec(arch.c_str()), 1);
  return mpq::build_quant_graph(m);
}

int activations_below_8_bits(const mpq::Policy& p) {
  int n = 0;
  for (const auto& l : p.layers) n += l.a_bits < 8 ? 1 : 0;
  return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(imagenet_rule_based)

BOOST_AUTO_TEST_CASE(on_stm32h743_the_stage_keeps_the_first_activations_at_8_bits) {
  const mpq::Board board = mpq::find_board("stm32h743");
  for (const std::string arch : {"mobilenet_v1", "mobilenet_v2", "mnasnet"}) {
    const mpq::QuantGraph graph = imagenet_graph(arch);
    mpq::MemoryBudget none{board.flash_budget(), board.ram_budget(), board.name};
    mpq::MemoryBudget with = none;
    with.patch.request = "auto";
    const mpq::Policy plain = mpq::rule_based_policy(graph, none), patched = mpq::rule_based_policy(graph, with);
    const mpq::MemoryReport r_plain = mpq::budget_memory(graph, plain, none);
    const mpq::MemoryReport r_patched = mpq::budget_memory(graph, patched, with);
    BOOST_TEST(mpq::fits(r_plain, none), arch);
    BOOST_TEST(mpq::fits(r_patched, with), arch);
    BOOST_TEST(r_patched.patch.present(), arch);
    // The stage is used before bits are cut: no activation has fewer bits with it, some more.
    for (size_t i = 0; i < plain.layers.size(); ++i)
      BOOST_TEST(patched.layers[i].a_bits >= plain.layers[i].a_bits, arch << " decision " << i);
    BOOST_TEST(activations_below_8_bits(patched) < activations_below_8_bits(plain), arch);
    // MobileNetV2's and MNasNet's stages reach past their residual blocks (issue 17): with
    // them every activation of all three keeps 8 bits.
    BOOST_TEST(activations_below_8_bits(patched) == 0, arch);
    BOOST_TEST_MESSAGE(arch << " on " << board.name << ": without a stage " << activations_below_8_bits(plain)
                            << " activation tensors below 8 bits, RAM " << r_plain.ram_bytes << " B, FLASH "
                            << r_plain.flash_bytes << " B (" << plain.key() << "); with stage "
                            << mpq::patch_request_text(r_patched.patch) << " " << activations_below_8_bits(patched)
                            << ", RAM " << r_patched.ram_bytes << " B, FLASH " << r_patched.flash_bytes << " B, MACs "
                            << r_patched.macs << " -> " << r_patched.patched_macs << " (" << patched.key() << ")");
  }
}

BOOST_AUTO_TEST_SUITE_END()
