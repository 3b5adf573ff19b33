// The bytes of one final fine-tune's run (write_final_run / read_final_run), what a rank
// sends every other rank: a field left out of either side shows up as a changed value here.
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "libmpq/core/error.hpp"
#include "libmpq/search/final_result.hpp"

using namespace mpq;

namespace {
// Every field written has a value of its own, none its default, so that a field written
// into another's place or not read back is seen.
FinalResult full_run() {
  FinalResult run;
  run.name = "searched (DDPG)";
  run.search_accuracy = 0.5;
  run.val_runs = {0.8125};
  run.test_runs = {0.796875};
  run.bits = "8,8;4,8;2,4";
  run.model = "mbv2-w0.35-r96";
  run.flash = 101;
  run.model_flash = 102;
  run.code_flash = 103;
  run.ram = 104;
  run.patch = "6:4";
  run.patch_op = "conv3";
  run.patch_stream = true;
  run.unpatched_ram = 105;
  run.macs = int64_t{1} << 40;
  run.patched_macs = (int64_t{1} << 40) + 7;
  return run;
}

std::string bytes_of(const FinalResult& run) {
  ByteWriter w;
  write_final_run(w, run);
  return w.bytes();
}
}  // namespace

BOOST_AUTO_TEST_SUITE(final_result)

BOOST_AUTO_TEST_CASE(a_run_reads_back_field_by_field) {
  const FinalResult run = full_run();
  const std::string bytes = bytes_of(run);
  ByteReader r(bytes, "a final run");
  FinalResult row;
  row.name = "uniform w4a8";  // the caller's: not in the bytes
  read_final_run(r, row);
  BOOST_CHECK_EQUAL(r.remaining(), 0u);
  BOOST_CHECK_EQUAL(row.name, "uniform w4a8");
  BOOST_CHECK_EQUAL(row.search_accuracy, -1.0);
  BOOST_TEST(row.val_runs == run.val_runs);
  BOOST_TEST(row.test_runs == run.test_runs);
  BOOST_CHECK_EQUAL(row.bits, run.bits);
  BOOST_CHECK_EQUAL(row.model, run.model);
  BOOST_CHECK_EQUAL(row.flash, run.flash);
  BOOST_CHECK_EQUAL(row.model_flash, run.model_flash);
  BOOST_CHECK_EQUAL(row.code_flash, run.code_flash);
  BOOST_CHECK_EQUAL(row.ram, run.ram);
  BOOST_CHECK_EQUAL(row.patch, run.patch);
  BOOST_CHECK_EQUAL(row.patch_op, run.patch_op);
  BOOST_CHECK_EQUAL(row.patch_stream, run.patch_stream);
  BOOST_CHECK_EQUAL(row.unpatched_ram, run.unpatched_ram);
  BOOST_CHECK_EQUAL(row.macs, run.macs);
  BOOST_CHECK_EQUAL(row.patched_macs, run.patched_macs);
}

BOOST_AUTO_TEST_CASE(a_later_run_adds_its_accuracies_and_keeps_the_first_memory) {
  FinalResult row;
  const std::string first = bytes_of(full_run());
  ByteReader r1(first, "the first run");
  read_final_run(r1, row);
  FinalResult second = full_run();
  second.val_runs = {0.25};
  second.test_runs = {0.375};
  second.bits = "other";
  second.ram = 1;
  const std::string later = bytes_of(second);
  ByteReader r2(later, "a later run");
  read_final_run(r2, row);
  BOOST_CHECK_EQUAL(r2.remaining(), 0u);
  BOOST_TEST(row.val_runs == (std::vector<double>{0.8125, 0.25}));
  BOOST_TEST(row.test_runs == (std::vector<double>{0.796875, 0.375}));
  BOOST_CHECK_EQUAL(row.bits, full_run().bits);
  BOOST_CHECK_EQUAL(row.ram, full_run().ram);
}

BOOST_AUTO_TEST_CASE(a_truncated_run_is_refused) {
  const std::string bytes = bytes_of(full_run());
  const std::string cut = bytes.substr(0, bytes.size() - 1);
  ByteReader r(cut, "a final run");
  FinalResult row;
  BOOST_CHECK_EXCEPTION(read_final_run(r, row), Error, [](const Error& e) {
    return std::string(e.what()).find("truncated while reading MACs with the stage") != std::string::npos;
  });
}

BOOST_AUTO_TEST_SUITE_END()
