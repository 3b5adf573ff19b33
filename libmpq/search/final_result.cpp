#include "libmpq/search/final_result.hpp"

#include <cmath>
#include <string>

#include "libmpq/core/error.hpp"

namespace mpq {

namespace {
double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? -1 : s / static_cast<double>(v.size());
}
}  // namespace

double FinalResult::mac_overhead() const {
  return macs > 0 ? static_cast<double>(patched_macs) / static_cast<double>(macs) - 1.0 : 0.0;
}
double FinalResult::val_mean() const { return mean(val_runs); }
double FinalResult::test_mean() const { return mean(test_runs); }
double FinalResult::test_std() const {
  if (test_runs.size() < 2) return 0;
  const double m = test_mean();
  double s = 0;
  for (double x : test_runs) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(test_runs.size() - 1));
}

void write_final_run(ByteWriter& w, const FinalResult& run) {
  w.f64(run.val_runs.at(0));
  w.f64(run.test_runs.at(0));
  w.str(run.bits);
  w.str(run.model);
  w.u32(run.flash);
  w.u32(run.model_flash);
  w.u32(run.code_flash);
  w.u32(run.ram);
  w.str(run.patch);
  w.str(run.patch_op);
  w.u8(run.patch_stream ? 1 : 0);
  w.u32(run.unpatched_ram);
  w.u8(static_cast<uint8_t>(run.inplace));  // 0 none, 1 depthwise (a flag before all), 2 all
  w.u32(run.separate_ram);
  w.i64(run.macs);
  w.i64(run.patched_macs);
}

void read_final_run(ByteReader& r, FinalResult& row) {
  row.val_runs.push_back(r.f64("validation accuracy"));
  row.test_runs.push_back(r.f64("test accuracy"));
  // The policy's memory is the same for every seed: a later run's is read past, into `later`.
  FinalResult later;
  FinalResult& memory = row.test_runs.size() == 1 ? row : later;
  memory.bits = r.str("bits");
  memory.model = r.str("model");
  memory.flash = r.u32("flash");
  memory.model_flash = r.u32("model FLASH");
  memory.code_flash = r.u32("code FLASH");
  memory.ram = r.u32("ram");
  memory.patch = r.str("patch stage");
  memory.patch_op = r.str("patch stage's last op");
  memory.patch_stream = r.flag("streamed input");
  memory.unpatched_ram = r.u32("RAM layer by layer");
  const uint8_t inplace = r.u8("in-place kinds");
  require(inplace <= static_cast<uint8_t>(InplaceKinds::all), "in-place kinds: " + std::to_string(inplace) + " is not 0, 1 or 2");
  memory.inplace = static_cast<InplaceKinds>(inplace);
  memory.separate_ram = r.u32("RAM with separate buffers");
  memory.macs = r.i64("MACs");
  memory.patched_macs = r.i64("MACs with the stage");
}

}  // namespace mpq
