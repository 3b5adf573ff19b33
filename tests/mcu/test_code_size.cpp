// The code size table measured at build time (libmpq/mcu/code_size): present for every
// core and level the build measured, covering every kernel variant, and counted as the
// union of the code a model's variants reach.
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "libmpq/mcu/board.hpp"
#include "libmpq/mcu/code_size.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/quant/op_records.hpp"
#include "libmpq/runtime/mpq_fw_kernels.h"
#include "mcu/mcu_fixtures.hpp"

using namespace mpq;
using mpq::test::check_error_mentions;

namespace {

using Names = std::vector<std::string>;

// Every variant name of MPQ_FW_KERNEL_VARIANTS, the list the table must cover.
std::vector<std::string> all_variant_names() {
  std::vector<std::string> out;
#define MPQ_NAME_(n, k, i, w, o) out.push_back(#n "_i" #i "_w" #w "_o" #o);
  MPQ_FW_KERNEL_VARIANTS(MPQ_NAME_)
#undef MPQ_NAME_
  return out;
}

std::vector<rt::OpRecord> default_records(int w, int a) {
  const QuantGraph g = build_quant_graph(build_model(ModelSpec{}));
  return op_records(g, op_bits(g, uniform_policy(g, w, a)));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(code_size)

BOOST_AUTO_TEST_CASE(the_build_measured_code_sizes_when_it_had_the_cross_compiler) {
  // MPQ_CODE_SIZE_MEASURED: meson found arm-none-eabi-g++ (CI has it: tools/install-deps.sh).
  BOOST_TEST(code_sizes_measured() == (MPQ_CODE_SIZE_MEASURED != 0));
  if (!code_sizes_measured()) {
    check_error_mentions([] { code_bytes(CodeTarget{"cortex-m4", "3"}, Names{}); },
                         {"not measured", "arm-none-eabi-g++", "--code none"});
    return;
  }
  std::vector<std::string> cpus;
  for (const CodeTarget& t : measured_code_targets()) cpus.push_back(t.cpu);
  for (const char* cpu : {"cortex-m4", "cortex-m7", "cortex-m33", "cortex-m55"})
    BOOST_TEST((std::find(cpus.begin(), cpus.end(), cpu) != cpus.end()), cpu);
  // Every shipped board's core can be counted.
  for (const std::string& name : board_names())
    BOOST_TEST((std::find(cpus.begin(), cpus.end(), find_board(name).core) != cpus.end()), name);
}

BOOST_AUTO_TEST_CASE(every_variant_has_code_and_sharing_makes_the_union_smaller_than_the_sum) {
  const std::vector<std::string> all = all_variant_names();
  BOOST_TEST(all.size() == static_cast<size_t>(MPQ_FW_KERNEL_VARIANT_COUNT));
  for (const CodeTarget& t : measured_code_targets()) {
    const CodeBytes core = code_bytes(t, Names{});
    BOOST_TEST(core.runtime_bytes > 1000u, t.text());
    BOOST_TEST(core.variant_bytes == 0u);
    BOOST_TEST(core.table_bytes == 8u);
    for (const std::string& v : all) {
      const CodeBytes one = code_bytes(t, Names{v});
      BOOST_TEST(one.runtime_bytes == core.runtime_bytes);
      BOOST_TEST(one.variant_bytes > 0u, t.text() + " " + v);
      BOOST_TEST(one.variant_bytes == one.unshared_variant_bytes);
      BOOST_TEST(one.table_bytes == 20u);
    }
    const CodeBytes every = code_bytes(t, all);
    BOOST_TEST(every.variant_bytes < every.unshared_variant_bytes, t.text());
    BOOST_TEST(every.library_bytes < every.total());
    // Convolve variants that differ only in output bits share convolve_fast_bits<4>.
    const CodeBytes pair = code_bytes(t, Names{"convolve_i8_w4_o4", "convolve_i8_w4_o8"});
    const CodeBytes single = code_bytes(t, Names{"convolve_i8_w4_o4"});
    BOOST_TEST(pair.variant_bytes < 2 * single.variant_bytes, t.text());
    BOOST_TEST(pair.variant_bytes >= single.variant_bytes);
  }
}

BOOST_AUTO_TEST_CASE(os_code_is_smaller_than_o3_code) {
  const std::vector<std::string> all = all_variant_names();
  for (const CodeTarget& t : measured_code_targets()) {
    if (t.optimization != "s") continue;
    const CodeTarget o3{t.cpu, "3"};
    BOOST_TEST(code_bytes(t, all).total() < code_bytes(o3, all).total(), t.text());
  }
}

BOOST_AUTO_TEST_CASE(a_model_counts_the_union_of_its_variants_and_the_blob_stays_apart) {
  if (!code_sizes_measured()) return;
  const CodeTarget m4{"cortex-m4", "3"};
  const std::vector<rt::OpRecord> records = default_records(4, 4);
  MemoryReport r = memory_report(records);
  const uint32_t blob = r.flash_bytes;
  BOOST_TEST(r.model_flash_bytes == blob);
  BOOST_TEST(r.code_flash_bytes == 0u);
  count_code(r, records, CodeTarget{});
  BOOST_TEST(r.flash_bytes == blob);
  count_code(r, records, m4);
  const CodeBytes code = code_bytes(m4, records);
  BOOST_TEST(code.variant_count == 5u);  // conv, pointwise, depthwise, fc, global average pool
  BOOST_TEST(r.code_flash_bytes == code.total());
  BOOST_TEST(r.model_flash_bytes == blob);
  BOOST_TEST(r.flash_bytes == blob + code.total());
  BOOST_TEST(code.variant_bytes <= code.unshared_variant_bytes);
}

BOOST_AUTO_TEST_CASE(unknown_targets_and_variants_are_errors_naming_them) {
  if (!code_sizes_measured()) return;
  check_error_mentions([] { code_bytes(CodeTarget{"cortex-m0", "3"}, Names{}); },
                       {"cortex-m0 -O3", "measured", "cortex-m4 -O3"});
  check_error_mentions([] { code_bytes(CodeTarget{"cortex-m4", "3"}, Names{"convolve_i3_w8_o8"}); },
                       {"convolve_i3_w8_o8", "cortex-m4 -O3"});
  BOOST_TEST(parse_optimization_level("-Os", "x") == "s");
  BOOST_TEST(parse_optimization_level("O3", "x") == "3");
  BOOST_TEST(parse_optimization_level("2", "x") == "2");
  check_error_mentions([] { parse_optimization_level("fast", "--code"); }, {"--code", "fast", "-Os"});
}

BOOST_AUTO_TEST_SUITE_END()
